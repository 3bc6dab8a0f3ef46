from __future__ import annotations

import json
import random

from bot.ingest.dedupe import canonical_url, content_hash, fingerprint, similarity
from bot.ingest.normalize import words
from bot.models import Paragraph
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
