"""Extractor trees into paragraphs: trafilatura's XML body (heads, line breaks, table rows, tails,
comments) and ordinary HTML (blocks, headings, scripts dropped but their tails kept)."""

from __future__ import annotations

import lxml.html
from lxml import etree

from bot.ingest.html_blocks import clean_text, html_paragraphs, trafilatura_paragraphs
from bot.models import Paragraph


def _traf(xml: str) -> list[tuple[str, str]]:
    return [(p.kind, p.text) for p in trafilatura_paragraphs(etree.fromstring(xml))]


def test_clean_text_collapses_space_and_drops_invisible_characters() -> None:
    assert clean_text("  a\u200b b\n\t c\u00ad d\ufeff ") == "a b c d"


def test_no_body_is_no_paragraphs() -> None:
    assert trafilatura_paragraphs(None) == []


def test_trafilatura_heads_line_breaks_and_tails() -> None:
    xml = (
        "<body>Lead text"
        "<head>Storm warning</head>"
        "<p>First line<lb/>second <hi>line</hi><lb/>  </p> after the paragraph"
        "<!-- a comment -->comment tail"
        "<list><item>one</item><item>two</item></list>"
        "<quote>A quote on its own</quote>"
        "</body>"
    )
    assert _traf(xml) == [
        ("text", "Lead text"),
        ("heading", "Storm warning"),
        ("text", "First line"),
        ("text", "second line"),
        ("text", "after the paragraph"),
        ("text", "comment tail"),
        ("text", "one"),
        ("text", "two"),
        ("text", "A quote on its own"),
    ]


def test_trafilatura_table_rows_are_one_paragraph_each() -> None:
    xml = (
        "<body><table>"
        "<row><cell>Team</cell><cell>Points</cell></row>"
        "<row><cell>Rovers</cell><cell/><cell>12</cell></row>"
        "<row><cell/></row>"
        "</table>tail of the table</body>"
    )
    assert _traf(xml) == [("text", "Team Points"), ("text", "Rovers 12"), ("text", "tail of the table")]


def test_trafilatura_nested_containers_are_walked() -> None:
    xml = "<body><div>div lead<p>inside</p>div tail text</div><div>only text</div></body>"
    assert _traf(xml) == [
        ("text", "div lead"),
        ("text", "inside"),
        ("text", "div tail text"),
        ("text", "only text"),
    ]


def test_html_blocks_headings_and_dropped_scripts() -> None:
    root = lxml.html.fromstring(
        "<div><h2>Results <em>so far</em></h2>"
        "<p>Rain <b>fell</b> all day<script>var x = 1;</script> in the hills.</p>"
        "<ul><li>one</li><li>two</li></ul>"
        "loose text<br>after a break"
        "<style>p {}</style><!-- note -->"
        "</div>"
    )
    assert html_paragraphs(root) == [
        Paragraph("heading", "Results so far"),
        Paragraph("text", "Rain fell all day in the hills."),
        Paragraph("text", "one"),
        Paragraph("text", "two"),
        Paragraph("text", "loose text"),
        Paragraph("text", "after a break"),
    ]


def test_a_page_table_keeps_one_paragraph_per_row() -> None:
    from bot.ingest.html_extract import extract_html

    words = "Some long paragraph text about the league results this week. " * 5
    more = "More words follow the table in this article body text. " * 5
    html = (
        "<html><head><title>League</title></head><body><article><h1>League table after week nine</h1>"
        f"<p>{words}</p><table><tr><td>Team</td><td>Points</td></tr><tr><td>Rovers</td><td>12</td></tr>"
        f"</table><p>{more}</p></article></body></html>"
    )
    article = extract_html(html.encode())
    assert [p.text for p in article.paragraphs] == [words.strip(), "Team Points", "Rovers 12", more.strip()]
