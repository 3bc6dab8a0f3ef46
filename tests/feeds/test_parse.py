"""Feed parsing: formats, safety (entities, gzip), and every file of the shared dev set."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bot.errors import FeedError
from bot.feeds.parse import FeedTooLarge, NotAFeed, parse_feed

from .conftest import FEEDS, rss

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>Laughs &lol9;</title><link>http://127.0.0.1/a</link><description>&lol9;</description></item>
</channel></rss>"""


def test_rss_atom_and_json_feed() -> None:
    feed = parse_feed(
        rss(
            [
                {
                    "title": "One",
                    "link": "http://127.0.0.1/1",
                    "guid": "g1",
                    "pubDate": "Mon, 06 Jun 2022 10:00:00 GMT",
                }
            ]
        )
    )
    assert feed.kind.startswith("rss") and feed.title == "Test feed"
    (entry,) = feed.entries
    assert (entry.guid, entry.link, entry.title) == ("g1", "http://127.0.0.1/1", "One")
    assert entry.published is not None and entry.published.year == 2022 and entry.published.tzinfo
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
    <entry><id>urn:x:1</id><title>Atom one</title><link href="http://127.0.0.1/atom1"/>
    <updated>2023-01-02T03:04:05Z</updated><content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry></feed>"""
    entry = parse_feed(atom).entries[0]
    assert (
        entry.guid == "urn:x:1"
        and entry.link == "http://127.0.0.1/atom1"
        and "Body" in (entry.content_html or "")
    )
    jf = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "J",
            "items": [
                {
                    "id": "7",
                    "url": "http://127.0.0.1/j7",
                    "title": "Json seven",
                    "content_text": "Hello.\n\nWorld.",
                    "date_published": "2021-05-06T07:08:09+02:00",
                    "authors": [{"name": "Ann"}],
                }
            ],
        }
    ).encode()
    feed = parse_feed(jf)
    assert feed.kind == "json11"
    entry = feed.entries[0]
    assert entry.authors == ["Ann"] and entry.published and entry.published.utcoffset() is not None
    assert "<p>World.</p>" in (entry.content_html or "")


def test_billion_laughs_is_not_expanded() -> None:
    feed = parse_feed(BILLION_LAUGHS)  # expanded, it would need gigabytes; the text shows it was not
    text = (feed.title or "") + "".join((e.title or "") + (e.summary or "") for e in feed.entries)
    assert "lollollol" not in text  # the nested entities never expanded
    assert len(text) < 1000


def test_external_entities_are_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-XXE")
    for doc in (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>T &xxe;</title><item><title>a &xxe;</title>'
        "<link>http://127.0.0.1/a</link><description>&xxe;</description></item></channel></rss>",
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "file://{secret}">'
        '<rss version="2.0"><channel><title>T</title><item><title>a</title><link>http://127.0.0.1/a</link>'
        "</item></channel></rss>",
    ):
        feed = parse_feed(doc.encode())
        dumped = repr(feed)
        assert "TOP-SECRET" not in dumped
        assert feed.entries and feed.entries[0].link == "http://127.0.0.1/a"


def test_a_path_or_url_string_is_never_opened(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    target.write_bytes(rss([{"title": "x", "link": "http://127.0.0.1/x"}]))
    with pytest.raises(NotAFeed):  # the bytes of a path are a (non-)document, not an instruction to read it
        parse_feed(str(target).encode())


def test_gzip_body_and_gzip_bomb() -> None:
    body = rss([{"title": "z", "link": "http://127.0.0.1/z"}])
    assert parse_feed(gzip.compress(body)).entries[0].title == "z"
    bomb = gzip.compress(b"<rss>" + b" " * (40 * 1024 * 1024))
    assert len(bomb) < 100_000
    with pytest.raises(FeedTooLarge):
        parse_feed(bomb)


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed):
        parse_feed(
            (FEEDS / "node-feedparser_test_feeds" / "notafeed.html").read_bytes(), content_type="text/html"
        )
    with pytest.raises(NotAFeed):
        parse_feed(b"   ")
    with pytest.raises(NotAFeed):
        parse_feed(b'{"not": "a feed"}')


def test_thousands_of_items_invalid_dates_and_missing_links() -> None:
    items = [{"title": f"Item {i}", "guid": f"id-{i}", "pubDate": "not a date at all"} for i in range(5000)]
    feed = parse_feed(rss(items))
    assert 1000 <= len(feed.entries) <= 5000
    assert all(e.published is None and e.link is None for e in feed.entries)


def test_every_shared_feed_file_parses_or_gives_a_reason() -> None:
    if not FEEDS.is_dir():
        pytest.skip("../shared/data/feeds missing")
    manifest = [json.loads(line) for line in (FEEDS / "manifest.jsonl").read_text().splitlines()]
    assert len(manifest) == 2210
    parsed = refused = 0
    for row in manifest:
        body = (FEEDS / row["path"]).read_bytes()
        try:
            feed = parse_feed(body, url="http://127.0.0.1/" + row["path"])
        except FeedError as exc:
            assert str(exc)  # a reason a person can read
            refused += 1
            continue
        parsed += 1
        if row["entries"]:  # feedparser's own count in the manifest (XML feeds)
            assert len(feed.entries) == min(row["entries"], 2000), row["path"]
    assert parsed > 2100 and refused < 40


def test_a_lone_surrogate_in_a_json_feed_is_replaced() -> None:  # issue 12, finding 5
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "Feed \\ud800", "items": ['
        b'{"id": "1", "url": "https://news.example/a", "title": "Item \\udc00 one", "content_text": "Text \\ud83d"}]}'
    )
    parsed = parse_feed(body, content_type="application/feed+json")
    assert parsed.title == "Feed \ufffd"
    [entry] = parsed.entries
    assert entry.title == "Item \ufffd one"
    assert entry.content_html is not None
    entry.content_html.encode("utf-8")
