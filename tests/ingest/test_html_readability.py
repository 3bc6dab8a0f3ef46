"""The rewritten readability methods decide exactly what readability's own do, and the second opinion
drops hidden and junk elements, leaves the caller's tree alone, and answers nothing when it finds nothing."""

from __future__ import annotations

from copy import deepcopy

import lxml.html
import pytest
from readability import Document
from readability.readability import clean

from bot.ingest.html_readability import _PreparsedDocument, _text_length, readability_paragraphs

PAGE = """<html><body>
<div id="nav" class="sidebar-menu"><a href="/a">Home</a> <a href="/b">World</a></div>
<div class="article-body content">
  Loose lead text before any paragraph
  <span>inline <b>bold</b></span> <em>words</em><br>
  after the break
  <p>The council approved the harbour budget on Monday after a long debate about the repairs.</p>
  <div>A nested div with <a href="/x">one link</a> and enough text around it to matter here.</div>
  <a href="/more">more</a> tail text after a link
</div>
<div class="comment footer" id="comments">Reader comments</div>
</body></html>"""


@pytest.mark.parametrize(
    "text",
    [
        "plain words here",
        "  leading and   trailing  ",
        "line\n\n\nbreaks\n here",
        "tab\t\tinside",
        "no\u00a0\u00a0break and thin\u2009\u2009spaces",
        "mixed \t run",
        "",
    ],
)
def test_text_length_is_readabilitys_clean_length(text: str) -> None:
    elem = lxml.html.fragment_fromstring("<p></p>")
    elem.text = text
    assert _text_length(elem) == len(clean(text))


def test_class_weight_and_link_density_match_readability() -> None:
    tree = lxml.html.fromstring(PAGE)
    ours, theirs = _PreparsedDocument(tree), Document(PAGE)
    for elem in tree.iter("div", "p", "a", "span"):
        assert ours.class_weight(elem) == theirs.class_weight(elem), lxml.html.tostring(elem)
        assert ours.get_link_density(elem) == pytest.approx(theirs.get_link_density(elem))
    weights = {e.get("class"): ours.class_weight(e) for e in tree.iter("div") if e.get("class")}
    assert weights == {
        "sidebar-menu": -25,
        "article-body content": 25,
        "comment footer": -50,
    }  # class and id each -25


def test_misused_divs_become_paragraphs_as_readability_makes_them() -> None:
    tree = lxml.html.fromstring(PAGE)
    ours, theirs = _PreparsedDocument(tree), Document(PAGE)
    ours.html, theirs.html = deepcopy(tree), deepcopy(tree)
    ours.transform_misused_divs_into_paragraphs()
    theirs.transform_misused_divs_into_paragraphs()
    assert lxml.html.tostring(ours.html) == lxml.html.tostring(theirs.html)
    ours.remove_unlikely_candidates()
    theirs.remove_unlikely_candidates()
    assert lxml.html.tostring(ours.html) == lxml.html.tostring(theirs.html)
    assert b"Reader comments" not in lxml.html.tostring(ours.html)


def test_hidden_and_junk_elements_are_dropped_and_the_tree_is_kept() -> None:
    body = "The harbour bridge reopened on Tuesday after six weeks of repairs by the agency. " * 4
    html = (
        "<html><body><article>"
        f"<p>{body}</p>"
        "<p hidden>Hidden promo text that no reader sees on the page.</p>"
        '<p style="display: none">Invisible tracking paragraph text here.</p>'
        '<p style="color: red">Visible red paragraph about the bridge opening ceremony and crowds.</p>'
        "<script>var tracking = 'script text';</script><template><p>template text</p></template>"
        "</article></body></html>"
    )
    tree = lxml.html.fromstring(html)
    before = lxml.html.tostring(tree)
    texts = [p.text for p in readability_paragraphs(tree)]
    assert texts == [
        body.strip(),
        "Visible red paragraph about the bridge opening ceremony and crowds.",
    ]
    assert lxml.html.tostring(tree) == before


def test_nothing_found_is_no_paragraphs() -> None:
    assert (
        readability_paragraphs(lxml.html.fromstring("<html><body><script>x()</script></body></html>")) == []
    )
