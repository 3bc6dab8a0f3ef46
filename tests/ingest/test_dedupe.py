from __future__ import annotations

import json
import random
from pathlib import Path

from bot.ingest.dedupe import (
    OwnTextMatch,
    boilerplate,
    canonical_url,
    closest_near_duplicate,
    content_hash,
    fingerprint,
    own_text_match,
    shingles,
    similarity,
)
from bot.ingest.normalize import words
from bot.ingest.pipeline import Ingestor
from bot.ingest.sources import record_item
from bot.models import Paragraph
from bot.store import ArticleStore
from tests.conftest import SHARED


def paras(text: str) -> list[Paragraph]:
    return [Paragraph("text", t) for t in text.split("\n\n") if t.strip()]


def test_canonical_url_drops_noise() -> None:
    assert (
        canonical_url("HTTP://WWW.Example.com:80/a/b/?utm_source=x&b=2&a=1#frag")
        == "https://example.com/a/b?a=1&b=2"
    )
    assert canonical_url("https://example.com") == "https://example.com/"
    assert canonical_url("ftp://example.com/x") is None
    assert canonical_url("not a url") is None


def test_content_hash_ignores_spacing_and_case() -> None:
    assert content_hash(paras("Hello,  World!\n\nSecond.")) == content_hash(paras("hello world\n\nsecond"))
    assert content_hash(paras("Hello world")) != content_hash(paras("Hello there world"))


def test_edited_copies_match_and_different_articles_do_not() -> None:
    rows = [
        json.loads(line) for line in (SHARED / "data/topics/bbc_news_dev.jsonl").read_text().splitlines()
    ][:120]
    rng = random.Random(7)
    fps = [fingerprint(paras(r["text"])) for r in rows]
    hits = 0
    for row, fp in zip(rows, fps, strict=True):
        sentences = row["text"].replace("\n\n", " ").split(". ")
        if len(sentences) > 6:
            del sentences[rng.randrange(len(sentences))]
            i = rng.randrange(len(sentences) - 1)
            sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
        copy = ". ".join(sentences) + "\n\nFollow us on social media and sign up for our daily newsletter."
        cfp = fingerprint(paras(copy))
        sim = similarity(fp.minhash, fp.shingle_count, cfp.minhash, cfp.shingle_count)
        hits += sim.is_near_duplicate and bool(set(fp.bands) & set(cfp.bands))
    assert hits >= 0.95 * len(rows)
    # Any pair called a near-duplicate must really share most of its text (the BBC set holds a few
    # rewritten updates of the same story, which should merge); unrelated pieces never do.
    for i, a in enumerate(fps):
        for j in range(i + 1, len(fps)):
            b = fps[j]
            if a.content_hash == b.content_hash:
                continue
            if similarity(a.minhash, a.shingle_count, b.minhash, b.shingle_count).is_near_duplicate:
                sa, sb = shingle_set(rows[i]["text"]), shingle_set(rows[j]["text"])
                assert len(sa & sb) / min(len(sa), len(sb)) >= 0.5, (rows[i]["id"], rows[j]["id"])


def shingle_set(text: str) -> set[str]:
    w = words(text)
    return {" ".join(w[k : k + 4]) for k in range(len(w) - 3)}


# --- own-text near-duplicates: fixtures built so that the signature index shortlists them ----------

DATA = Path(__file__).parent / "data"


def show_pages() -> list[list[Paragraph]]:
    """Daily show pages: one shared block (intro, transcript notice, outro), different stories."""
    d = json.loads((DATA / "show_pages.json").read_text())
    return [
        [Paragraph("text", t) for t in d["intro"] + [s for i in ep for s in d["stories"][i]] + d["outro"]]
        for ep in d["episodes"]
    ]


def same_event_reports() -> tuple[list[Paragraph], list[Paragraph]]:
    """Two reports of one fire by one outlet: the same two quotes, different reporting."""
    d = json.loads((DATA / "same_event.json").read_text())
    return [Paragraph("text", t) for t in d["first"]], [Paragraph("text", t) for t in d["second"]]


def signature_says_near_duplicate(a: list[Paragraph], b: list[Paragraph]) -> bool:
    fa, fb = fingerprint(a), fingerprint(b)
    return similarity(fa.minhash, fa.shingle_count, fb.minhash, fb.shingle_count).is_near_duplicate


def test_fixtures_fool_the_signature_estimate() -> None:
    """The regression: the signature alone merged these (what lost articles before)."""
    pages = show_pages()
    first, second = same_event_reports()
    assert signature_says_near_duplicate(pages[2], pages[1])
    assert signature_says_near_duplicate(second, first)


def test_show_pages_sharing_boilerplate_are_different_texts() -> None:
    pages = show_pages()
    stored = {i: pages[i] for i in range(2)}
    assert closest_near_duplicate(pages[1], [0], {0: pages[0]}) is None
    assert closest_near_duplicate(pages[2], [0, 1], stored) is None


def test_shared_block_counts_as_boilerplate_once_two_stored_articles_hold_it() -> None:
    pages = show_pages()
    common = boilerplate([shingles(pages[0]), shingles(pages[1])])
    match = own_text_match(shingles(pages[2]), shingles(pages[1]), common)
    assert match == OwnTextMatch(0.0, 0.0)  # the stories share nothing; the block is discounted


def test_two_reports_sharing_quotes_are_different_texts() -> None:
    first, second = same_event_reports()
    assert closest_near_duplicate(second, [1], {1: first}) is None
    assert closest_near_duplicate(first, [1], {1: second}) is None


def test_edited_copy_is_a_near_duplicate_whichever_came_first() -> None:
    first, _ = same_event_reports()
    copy = [
        Paragraph("heading", "Harbor warehouse fire: what we know"),
        *[p for i, p in enumerate(first) if i != 2],  # one paragraph dropped
        Paragraph("text", "Sign up for our newsletter to get the top stories delivered to your inbox."),
    ]
    assert closest_near_duplicate(copy, [5], {5: first}) == 5
    assert closest_near_duplicate(first, [5], {5: copy}) == 5


def test_near_duplicate_is_judged_on_own_text_not_on_shared_boilerplate() -> None:
    """A copy of a show page is still found although most of its text is the shared block."""
    pages = show_pages()
    copy = [*pages[2][:-1], Paragraph("text", "Transcript provided by the education desk archive.")]
    stored = {0: pages[0], 1: pages[1], 2: pages[2]}
    assert closest_near_duplicate(copy, [0, 1, 2], stored) == 2


async def test_distinct_articles_sharing_text_are_all_stored(store: ArticleStore) -> None:
    """Through the pipeline, as an archive without URLs (where a duplicate keeps no text)."""
    pages = show_pages()
    first, second = same_event_reports()
    ingestor = Ingestor(store)
    texts = [*pages, first, second]
    results = []
    for n, paragraphs in enumerate(texts):
        record = {"title": f"Item {n}", "text": "\n\n".join(p.text for p in paragraphs)}
        results += await ingestor.ingest_item(record_item(f"archive:{n}", json.dumps(record)))
    assert [r.status for r in results] == ["created"] * len(texts)
    assert len({r.id for r in results}) == len(texts)
    copy = "\n\n".join(p.text for p in first[:-1]) + "\n\nFollow us for the latest updates."
    (dup,) = await ingestor.ingest_item(record_item("copy", json.dumps({"title": "Copy", "text": copy})))
    assert (dup.status, dup.duplicate_of) == ("duplicate", results[3].id)


async def test_real_show_pages_of_different_days_are_all_stored(store: ArticleStore) -> None:
    """The archive that lost articles: CNN Student News pages of seven days, about 70 % shared block."""
    rows = [
        json.loads(line)
        for line in (SHARED / "data/summaries/cnndm_validation500.jsonl").read_text().splitlines()
    ]
    pages = [r for r in rows if "CNN Student News" in r["article"]]
    assert len(pages) == 7
    ingestor = Ingestor(store)
    statuses = []
    for n, row in enumerate(pages):
        record = {"title": f"Show {n}", "text": row["article"]}
        statuses += [
            r.status for r in await ingestor.ingest_item(record_item(f"cnn:{n}", json.dumps(record)))
        ]
    assert statuses == ["created"] * 7
