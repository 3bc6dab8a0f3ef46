from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

ARTICLES = [
    {
        "title": "Storm batters the coast",
        "text": "A violent storm battered the coast, flooding homes and cutting power. "
        "Forecasters warned of more heavy rain and high winds.",
        "source": "BBC",
        "published": "2024-05-01",
    },
    {
        "title": "Flood warnings after storm",
        "text": "Flood warnings were issued after the storm; forecasters expect "
        "heavy rain and high winds to continue along the coast.",
        "source": "Reuters",
        "published": "2024-05-03",
    },
    {
        "title": "Bank raises interest rates",
        "text": "The central bank raised interest rates to fight inflation, "
        "and economists expect mortgage costs to climb.",
        "source": "BBC",
        "published": "2023-01-10",
    },
]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, [line for line in out.out.splitlines() if line.strip()], out.err


def test_search_and_related_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "cli.db")
    archive = tmp_path / "a.jsonl"
    archive.write_text("\n".join(json.dumps(a) for a in ARTICLES) + "\n", encoding="utf-8")
    code, _, err = _run(capsys, "--db", db, "ingest", "--jsonl", str(archive))
    assert code == 0, err

    code, lines, _ = _run(capsys, "--db", db, "search", "storm", "--json")
    hits = [json.loads(line) for line in lines]
    assert code == 0 and len(hits) == 2
    assert set(hits[0]) == {"id", "title", "snippet", "score", "published", "source"}
    assert any("**storm**" in h["snippet"].lower() for h in hits)

    code, lines, _ = _run(
        capsys, "--db", db, "search", "storm", "--source", "reuters", "--since", "2024-05-02", "--json"
    )
    assert [json.loads(line)["title"] for line in lines] == ["Flood warnings after storm"]

    code, lines, err = _run(capsys, "--db", db, "search", "storm", "--since", "someday")
    assert code != 0 and "someday" in err

    storm_id = hits[0]["id"]
    code, lines, _ = _run(capsys, "--db", db, "related", str(storm_id), "--limit", "1", "--json")
    (answer,) = [json.loads(line) for line in lines]
    assert answer["id"] == storm_id
    assert [r["title"] for r in answer["related"]][0] in {
        "Flood warnings after storm",
        "Storm batters the coast",
    }
    assert set(answer["related"][0]) == {"id", "title", "score", "also_covered_by"}
    assert set(answer) == {"id", "related"}

    code, lines, _ = _run(
        capsys, "--db", db, "related", "--topic", "interest rates inflation", "--limit", "1", "--json"
    )
    (topic,) = [json.loads(line) for line in lines]
    assert topic["topic"] == "interest rates inflation"
    assert topic["related"][0]["title"] == "Bank raises interest rates"

    code, lines, _ = _run(capsys, "--db", db, "related", "--all", "--json")
    assert code == 0 and len(lines) == 3

    code, _, err = _run(capsys, "--db", db, "related")
    assert code == 2 and err
    code, _, err = _run(capsys, "--db", db, "related", "999")
    assert code != 0 and "999" in err
