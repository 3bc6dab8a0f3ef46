"""What an operator sees when something is wrong: one line on stderr, exit 2 for usage and configuration
errors, 1 for failures, and no third-party log chatter unless asked for (-v / NEWSBOT_LOG_LEVEL=DEBUG)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import newsbot_text as newsbot


def test_html_without_an_article_fails_with_only_our_line(tmp_path: Path) -> None:
    page = tmp_path / "noart.html"
    page.write_text("<html><body><div></div></body></html>")
    done = newsbot("ingest", str(page), db=tmp_path / "n.db")
    assert done.returncode == 1
    # Before: "WARNING trafilatura.core: discarding data: None" came first.
    assert done.stderr.splitlines() == [
        f"failed     {page}: no article text found on the page",
        "done: 1 failed",
    ]
    for verbose in (["-v"], []):
        env = {} if verbose else {"NEWSBOT_LOG_LEVEL": "DEBUG"}
        chatty = newsbot(*verbose, "ingest", str(page), db=tmp_path / "n.db", env=env)
        assert "trafilatura" in chatty.stderr  # still there when asked for


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (
            ["ingest", "http://127.0.0.1:1/x"],
            {"NEWSBOT_FETCH_ALLOW": "bad value!!"},
            "newsbot: NEWSBOT_FETCH_ALLOW: ",
        ),
        (["list"], {"NEWSBOT_FETCH_ALLOW": "bad value!!"}, "newsbot: NEWSBOT_FETCH_ALLOW: "),
        (["list"], {"NEWSBOT_LOG_LEVEL": "loud"}, "newsbot: NEWSBOT_LOG_LEVEL must be one of"),
        (["search", "storm", "--since", "garbage"], {}, "newsbot: --since: cannot read date 'garbage'"),
        (["search", "storm", "--until", "soonish"], {}, "newsbot: --until: cannot read date 'soonish'"),
        (["search", "storm", "--limit", "0"], {}, "newsbot: --limit must be between 1 and 100"),
        (
            ["search", "storm", "--limit", "x"],
            {},
            "newsbot: error: argument --limit: invalid int value: 'x' (see newsbot search --help)",
        ),
        (["show", "abc"], {}, "newsbot: error: argument id: article id must be a number, not 'abc'"),
        (["frobnicate"], {}, "newsbot: error: argument COMMAND: invalid choice: 'frobnicate'"),
        ([], {}, "newsbot: error: the following arguments are required: COMMAND (see newsbot --help)"),
    ],
)
def test_usage_and_configuration_errors_exit_2_with_one_line(
    tmp_path: Path, args: list[str], env: dict[str, str], expected: str
) -> None:
    done = newsbot(*args, db=tmp_path / "n.db", env=env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(expected), done.stderr
    assert done.stdout == ""


def test_unsupported_url_scheme_is_named(tmp_path: Path) -> None:
    done = newsbot("ingest", "ftp://example.com/x", db=tmp_path / "n.db")
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        "failed     ftp://example.com/x: unsupported URL scheme 'ftp': only http:// and https:// URLs can be fetched"
    )


def test_out_of_range_numbers_are_usage_errors(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    huge = "99999999999999999999999"
    for args in (["related", huge], ["search", "x", "--guild", huge], ["search", "x", "--offset", huge]):
        done = newsbot(*args, db=db)
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, args
        assert "between" in done.stderr and "internal error" not in done.stderr
    nan = newsbot("related", "1", "--recent", "nan", db=db)
    assert nan.returncode == 2 and "positive number of days" in nan.stderr


def test_a_dash_word_after_the_query_excludes_it(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    archive = tmp_path / "a.jsonl"
    archive.write_text(
        '{"title": "Zebra crossing redesigned", "text": "The council repainted the zebra crossing in town."}\n'
        '{"title": "Zebra foal at the zoo", "text": "A zebra foal was born at the city zoo this week."}\n'
    )
    assert newsbot("ingest", "--jsonl", str(archive), db=db).returncode == 0
    done = newsbot("search", "zebra", "-crossing", "--json", db=db)
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["title"] for line in done.stdout.splitlines()] == ["Zebra foal at the zoo"]
    assert newsbot("search", "zebra", "--crossing", db=db).returncode == 2  # still an unknown option
