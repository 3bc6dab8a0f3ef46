from __future__ import annotations

import json
import random

from bot.ingest.dedupe import canonical_url, content_hash, fingerprint, similarity
from bot.models import Paragraph
from tests.conftest import SHARED


def paras(text: str) -> list[Paragraph]:
    return [Paragraph("text", t) for t in text.split("\n\n") if t.strip()]


def test_canonical_url_drops_noise() -> None:
    assert canonical_url("HTTP://WWW.Example.com:80/a/b/?utm_source=x&b=2&a=1#frag") == "https://example.com/a/b?a=1&b=2"
    assert canonical_url("https://example.com") == "https://example.com/"
    assert canonical_url("ftp://example.com/x") is None
    assert canonical_url("not a url") is None


def test_content_hash_ignores_spacing_and_case() -> None:
    assert content_hash(paras("Hello,  World!\n\nSecond.")) == content_hash(paras("hello world\n\nsecond"))
    assert content_hash(paras("Hello world")) != content_hash(paras("Hello there world"))


def test_edited_copies_match_and_different_articles_do_not() -> None:
    rows = [json.loads(line) for line in (SHARED / "data/topics/bbc_news_dev.jsonl").open()][:120]
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
    unique = {r["text"] for r in rows}
    distinct = [fp for r, fp in zip(rows, fps, strict=True) if r.get("duplicate_of") is None and r["text"] in unique]
    merged = sum(
        similarity(a.minhash, a.shingle_count, b.minhash, b.shingle_count).is_near_duplicate
        for i, a in enumerate(distinct) for b in distinct[i + 1 :]
        if a.content_hash != b.content_hash
    )
    assert merged == 0
