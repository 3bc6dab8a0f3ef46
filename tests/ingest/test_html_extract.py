"""HTML extraction: bodies on real dev pages, metadata, headings, refusals, charsets."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench._metric import corpus_f1
from bot.errors import ExtractionError
from bot.ingest.html_decode import decode_html
from bot.ingest.html_extract import extract_html
from bot.ingest.html_fusion import fuse, prefer_referee
from bot.ingest.html_readability import _text_length, readability_paragraphs
from bot.models import Paragraph

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "extraction"

LOREM = (
    "The regional council voted on Tuesday to expand the tram network to the northern districts, "
    "a project residents have demanded for more than a decade. Officials said construction would "
    "begin next spring and take roughly three years, with the first stations opening in stages."
)


def _article_page(head: str = "", extra_body: str = "") -> str:
    paras = "\n".join(
        f"<p>{LOREM} Paragraph {i} adds detail number {i} about budgets, routes and timetables.</p>"
        for i in range(1, 7)
    )
    return f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<title>Council approves tram extension | Example Gazette</title>{head}</head>
<body><header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article><h1>Council approves tram extension</h1>
{paras}
<h2>What happens next</h2>
<p>{LOREM} The final paragraph explains the consultation that follows the vote in the spring.</p>
{extra_body}
</article></main>
<footer><p>Copyright Example Gazette. All rights reserved.</p></footer></body></html>"""


JSON_LD = """<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "Council approves tram extension", "datePublished": "2024-03-05T14:30:00+01:00",
"author": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "Omar Haddad"}],
"publisher": {"@type": "Organization", "name": "Example Gazette"}}</script>"""

META = """<meta property="og:site_name" content="Example Gazette">
<meta property="article:section" content="Transport">
<meta name="description" content="Northern districts finally get their line after a decade of lobbying by residents.">
<link rel="canonical" href="https://gazette.example/news/tram-extension">
<meta property="og:image" content="https://gazette.example/img/tram.jpg">"""


def _dev_pages(n: int) -> list[tuple[bytes, str, str]]:
    truth = json.loads((DATA / "ground-truth.json").read_text())
    out = []
    for pid in sorted(truth)[:n]:
        html = gzip.decompress((DATA / "html" / f"{pid}.html.gz").read_bytes())
        out.append((html, truth[pid]["url"], truth[pid]["articleBody"]))
    return out


@pytest.mark.skipif(not (DATA / "ground-truth.json").exists(), reason="shared extraction data not present")
def test_dev_pages_body_overlaps_ground_truth() -> None:
    pages = _dev_pages(3)
    pairs = []
    for html, url, truth in pages:
        article = extract_html(html, url=url)
        assert article.title
        pairs.append((truth, article.body))
    f1, precision, recall = corpus_f1(pairs)
    assert f1 > 0.9, (f1, precision, recall)


def test_metadata_from_json_ld_and_meta_tags() -> None:
    article = extract_html(_article_page(JSON_LD + META), url="https://gazette.example/news/tram?utm=x")
    assert article.title == "Council approves tram extension"
    assert article.authors == ["Jane Doe", "Omar Haddad"]
    assert article.published == datetime(2024, 3, 5, 14, 30, tzinfo=timezone(timedelta(hours=1)))
    assert article.source == "Example Gazette"
    assert article.section == "Transport"
    assert article.language == "en"
    assert article.canonical_url == "https://gazette.example/news/tram-extension"
    assert article.image == "https://gazette.example/img/tram.jpg"
    assert article.subtitle is not None and article.subtitle.startswith("Northern districts")
    assert article.url == "https://gazette.example/news/tram?utm=x"
    assert "Copyright" not in article.body and "Sport" not in article.body


def test_date_without_zone_is_utc_and_lead_copy_is_no_dek() -> None:
    head = (
        '<meta property="article:published_time" content="2023-11-20">'
        f'<meta name="description" content="{LOREM[:120]}...">'
    )
    article = extract_html(_article_page(head))
    assert article.published == datetime(2023, 11, 20, tzinfo=UTC)
    assert article.subtitle is None


def test_subheadings_kept_as_headings_in_order() -> None:
    article = extract_html(_article_page())
    kinds = [(p.kind, p.text) for p in article.paragraphs]
    assert ("heading", "What happens next") in kinds
    index = kinds.index(("heading", "What happens next"))
    assert kinds[index - 1][0] == "text" and "Paragraph 6" in kinds[index - 1][1]
    assert kinds[index + 1][1].endswith("follows the vote in the spring.")
    # the page title is metadata, not a body heading
    assert article.paragraphs[0].kind == "text"


@pytest.mark.parametrize(
    "data",
    [
        b"<html><head><title>Login</title></head><body><form><input name=u><button>Sign in</button></form></body></html>",
        b"<html><body><nav><a href='/a'>A</a> <a href='/b'>B</a></nav></body></html>",
        b"",
        bytes(range(256)) * 40,
        b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02\xff" * 2000,
        b"just some words without any markup at all, which is not a web page",
    ],
)
def test_no_article_raises_extraction_error(data: bytes) -> None:
    with pytest.raises(ExtractionError) as info:
        extract_html(data)
    message = str(info.value)
    assert message and "\n" not in message


def test_huge_page_is_handled() -> None:
    filler = "".join(f"<div class='promo'><a href='/x{i}'>Offer {i}</a></div>" for i in range(30_000))
    article = extract_html(_article_page(extra_body="").replace("<footer>", filler + "<footer>"))
    assert "Paragraph 6" in article.body


@pytest.mark.timeout(60)  # about 1-2 s here; a runaway (quadratic) step would take minutes
def test_five_megabyte_page_with_60k_elements_still_yields_the_article() -> None:
    remark = "I think the council is wrong about this and the tram will never come, mark my words. "
    comments = "".join(
        f"<li class='comment' id='c{i}'><span class='who'>user{i}</span><p>Comment {i}: {remark * 3}</p></li>"
        for i in range(15_000)
    )
    script = "<script>var data = [" + "[1,2,3]," * 20_000 + "0];</script>"
    svg = "<svg>" + "<path d='M0 0L1 1'/>" * 5_000 + "</svg>"
    page = _article_page(JSON_LD + META).replace(
        "<footer>", f"{svg}<section id='comments'><ol>{comments}</ol></section>{script}<footer>"
    )
    assert len(page) > 4_500_000 and page.count("<") > 60_000
    article = extract_html(page, url="https://gazette.example/news/tram")
    assert article.title == "Council approves tram extension"
    assert article.authors == ["Jane Doe", "Omar Haddad"]
    assert [p.text.split(" Paragraph ")[-1] for p in article.paragraphs[:6]] == [
        f"{i} adds detail number {i} about budgets, routes and timetables." for i in range(1, 7)
    ]
    assert "follows the vote in the spring" in article.body
    assert "Comment" not in article.body and "var data" not in article.body


RUSSIAN = (
    "Городской совет во вторник одобрил продление трамвайной линии в северные районы. "
    "Жители добивались этого решения больше десяти лет, а строительство начнётся весной."
)
FRENCH = (
    "Le conseil régional a voté mardi l'extension du réseau de tramway vers les quartiers nord, "
    "un projet réclamé depuis plus de dix ans. Les travaux débuteront au printemps prochain."
)


@pytest.mark.parametrize("declared", [True, False])
@pytest.mark.parametrize(
    ("text", "codec", "label"), [(RUSSIAN, "cp1251", "windows-1251"), (FRENCH, "latin-1", "iso-8859-1")]
)
def test_decode_legacy_charsets(text: str, codec: str, label: str, declared: bool) -> None:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={label}">' if declared else ""
    page = f"<html><head>{meta}<title>t</title></head><body><p>{text}</p><p>{text}</p></body></html>"
    assert text in decode_html(page.encode(codec))


def test_http_charset_wins_and_bom_is_honoured() -> None:
    page = f"<html><head><meta charset='utf-8'></head><body><p>{RUSSIAN}</p></body></html>"
    assert RUSSIAN in decode_html(page.encode("cp1251"), content_type="text/html; charset=windows-1251")
    assert decode_html(b"\xef\xbb\xbf<p>caf\xc3\xa9</p>") == "<p>café</p>"
    assert "café" in decode_html("<p>café</p>".encode("utf-16"))


def test_extract_legacy_bytes_end_to_end() -> None:
    body = "".join(f"<p>{RUSSIAN} Абзац {i}.</p>" for i in range(6))
    page = f"<html><head><meta charset='windows-1251'><title>Трамвай</title></head><body><article>{body}</article></body></html>"
    article = extract_html(page.encode("cp1251"))
    assert RUSSIAN in article.body


def test_fuse_trims_unconfirmed_edges_keeps_inner_text() -> None:
    core = [Paragraph("text", f"{LOREM} Sentence {i} of the core story.") for i in range(4)]
    caption = Paragraph("text", "Photo: the tram depot at dawn, seen from the river bank")
    related = Paragraph("heading", "Related: ten reasons to love buses this winter season")
    boiler = Paragraph("text", "Sign up to our newsletter for the best stories of the week delivered daily.")
    base = [related, core[0], core[1], caption, core[2], core[3], boiler]
    fused = fuse(base, core)
    assert fused == [core[0], core[1], caption, core[2], core[3]]
    # a referee that looked elsewhere on the page is ignored
    assert fuse(base, [boiler]) == base


def test_prefer_referee_follows_trafilatura_rule() -> None:
    short = [Paragraph("text", "Officials said construction would begin next spring.")]
    long = [Paragraph("text", LOREM), Paragraph("text", LOREM + " More.")]
    assert prefer_referee([], long)
    assert prefer_referee(short, long)  # readability found more than twice the text
    assert not prefer_referee(long, short)
    assert not prefer_referee(long, [])
    assert not prefer_referee(short, [Paragraph("text", '{"@type": "NewsArticle", "text": "' + LOREM + '"}')])
    assert not prefer_referee(long, long[:1] + [Paragraph("text", LOREM[:100])])
    assert prefer_referee(long, long[:1] + [Paragraph("text", LOREM)], base_unstructured=True)


@given(st.text(alphabet="ab, \n\t\xa0\r\u2009", max_size=40))
def test_fast_text_length_matches_readability_clean(text: str) -> None:
    from readability.readability import clean

    elem = lxml.html.fromstring("<div></div>")
    elem.text = text
    assert _text_length(elem) == len(clean(text))


def test_readability_retry_pass_sees_the_whole_page_and_tree_is_kept() -> None:
    # The only text sits in a class readability's first (ruthless) pass removes as unlikely; its
    # lenient retry must start again from the full page, and the caller's tree must be untouched.
    paras = "".join(f"<p>{LOREM} Item {i}.</p>" for i in range(3))
    tree = lxml.html.fromstring(f"<html><body><div class='remarks'>{paras}</div></body></html>")
    before = lxml.html.tostring(tree)
    found = readability_paragraphs(tree)
    assert [p.text for p in found] == [f"{LOREM} Item {i}." for i in range(3)]
    assert lxml.html.tostring(tree) == before
