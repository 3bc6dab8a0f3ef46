"""Timeline quality on Timeline17's development half (../shared/data/timelines), news-tls protocol.

Each topic is ingested into its own store (as a JSONL archive, one sentence line = one paragraph, since the
source has no paragraph breaks); for every reference timeline the briefing is asked, exactly as
`newsbot brief --all --since START --until END --dates N --per-date K --json` does, and the predictions are
scored with the shared scorer (../shared/tools/tls_score.py). The SOURCE.md baselines are recomputed in the
same run from their description and printed beside it.

    .venv/bin/python bench/timelines.py [--data ../shared/data/timelines] [--direct] [--keep DIR]

`--direct` skips the store (articles are split into sentences in memory): quicker while developing.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import math
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.analysis.sentences import split_sentences  # noqa: E402
from bot.briefing import brief_docs, build_briefing  # noqa: E402
from bot.briefing.types import BriefDoc  # noqa: E402
from bot.ingest.pipeline import Ingestor, default_analyzer  # noqa: E402
from bot.store import Scope, create_store  # noqa: E402

SCORER = ROOT.parent / "shared" / "tools" / "tls_score.py"


def load_scorer() -> Any:
    spec = importlib.util.spec_from_file_location("tls_score", SCORER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(preds: dict[str, list[dict[str, Any]]], gold: Path, scorer: Any, out: Path) -> dict[str, Any]:
    out.write_text(json.dumps(preds))
    return scorer.evaluate_files(str(out), [str(gold)])


def headline(result: dict[str, Any]) -> tuple[float, float, float, float, float]:
    m = result["mean"]
    a = m["align+ m:1"]
    return (
        a["rouge_1"]["f_score"],
        a["rouge_2"]["f_score"],
        m["dates"]["f_score"],
        m["concat"]["rouge_1"]["f_score"],
        m["concat"]["rouge_2"]["f_score"],
    )


PUBLISHED = [  # SOURCE.md's own figures for the same baselines on this half
    ("(SOURCE.md) RANDOM", (0.0575, 0.0097, 0.498, 0.316, 0.055)),
    ("(SOURCE.md) DATE-FREQ", (0.1124, 0.0291, 0.561, 0.363, 0.097)),
    ("(SOURCE.md) DATE-FREQ + mentions", (0.0835, 0.0195, 0.602, 0.319, 0.069)),
]

# --- the SOURCE.md baselines, from their description -------------------------------------------------

_SMART: set[str] = set()
_TOKEN = re.compile(r"[a-z0-9]+")


def _smart(data: Path) -> set[str]:
    if not _SMART:
        _SMART.update(w.strip() for w in (data / "rouge" / "smart_common_words.txt").read_text().split())
    return _SMART


def _cands(articles: list[dict[str, Any]]) -> list[tuple[str, str, list[str]]]:
    out = []
    for a in articles:
        for line in a["text"].split("\n"):
            n = len(line.split())
            if 5 <= n <= 60 and re.search(r"[A-Za-z]", line):
                out.append((a["published"], line, a["id"]))
    return out


_MONTHS = "january february march april may june july august september october november december".split()
_MENTION = re.compile(
    r"\b(" + "|".join(m.capitalize() for m in _MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?(?:,\s*(\d{4}))?\b"
)


def _mentions(line: str, pub: date) -> list[date]:
    out = []
    for m in _MENTION.finditer(line):
        month = _MONTHS.index(m.group(1).lower()) + 1
        year = int(m.group(3)) if m.group(3) else pub.year
        try:
            out.append(date(year, month, int(m.group(2))))
        except ValueError:
            pass
    return out


def baseline(
    kind: str, articles: list[dict[str, Any]], tl: dict[str, Any], data: Path, seed: int = 0, key: str = ""
) -> list[dict[str, Any]]:
    stop = _smart(data)
    start, end = tl["start"], tl["end"]
    arts = [a for a in articles if start <= a["published"] <= end]
    cands = _cands(arts)
    n, k = tl["n_dates"], tl["sents_per_date"]
    if kind == "random":
        rng = random.Random(f"{key}/{seed}")
        days = sorted({c[0] for c in cands})
        picked = sorted(rng.sample(days, min(n, len(days))))
        out = []
        for d in picked:
            pool = [c[1] for c in cands if c[0] == d]
            out.append({"date": d, "sentences": rng.sample(pool, min(k, len(pool)))})
        return out
    toks = [[t for t in _TOKEN.findall(c[1].lower()) if t not in stop] for c in cands]
    df: Counter[str] = Counter()
    for t in toks:
        df.update(set(t))
    idf = {t: math.log(len(cands) / c) for t, c in df.items()}

    def vec(ts: list[str]) -> dict[str, float]:
        c = Counter(ts)
        v = {t: n * idf[t] for t, n in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {t: x / norm for t, x in v.items()}

    vecs = [vec(t) for t in toks]
    pub = Counter(a["published"] for a in arts)
    by_day: dict[str, list[int]] = defaultdict(list)
    if kind == "datefreq":
        counts: Counter[str] = Counter(pub)
        for i, c in enumerate(cands):
            by_day[c[0]].append(i)
    else:  # datefreq + mentions
        counts = Counter(pub)
        for i, c in enumerate(cands):
            for d in _mentions(c[1], date.fromisoformat(c[0])):
                iso = d.isoformat()
                if start <= iso <= end:
                    counts[iso] += 1
                    by_day[iso].append(i)
    days = sorted(counts, key=lambda d: (-counts[d], d))
    out = []
    for d in days:
        if len(out) >= n:
            break
        idx = by_day.get(d, [])
        if not idx:
            continue
        centroid: dict[str, float] = defaultdict(float)
        for i in idx:
            for t, x in vecs[i].items():
                centroid[t] += x
        ranked = sorted(idx, key=lambda i: -sum(x * centroid.get(t, 0.0) for t, x in vecs[i].items()))
        taken: list[int] = []
        for i in ranked:
            if len(taken) >= k:
                break
            if any(sum(x * vecs[j].get(t, 0.0) for t, x in vecs[i].items()) > 0.7 for j in taken):
                continue
            taken.append(i)
        out.append({"date": d, "sentences": [cands[i][1] for i in taken]})
    return sorted(out, key=lambda e: e["date"])


# --- the briefing --------------------------------------------------------------------------------------


def docs_in_memory(articles: list[dict[str, Any]]) -> list[BriefDoc]:
    out = []
    for n, a in enumerate(articles):
        sents = [s for line in a["text"].split("\n") for s in split_sentences(line)]
        out.append(BriefDoc(n + 1, date.fromisoformat(a["published"]), a["source"], "", tuple(sents)))
    return out


def archive_rows(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": a["id"],
            "text": "\n\n".join(line for line in a["text"].split("\n") if line.strip()),
            "published": a["published"] + "T12:00:00+00:00",
            "source": a["source"],
            "title": a["text"].split("\n", 1)[0][:120],
        }
        for a in articles
    ]


async def ingest_topic(db: Path, articles: list[dict[str, Any]], tmp: Path) -> int:
    archive = tmp / (db.stem + ".jsonl")
    with archive.open("w") as f:
        for row in archive_rows(articles):
            f.write(json.dumps(row) + "\n")
    store = create_store(db)
    await store.open()
    try:
        ingestor = Ingestor(store, analyzer=default_analyzer())
        created = 0
        async for result in ingestor.ingest_sources([str(archive)], jsonl=True, ingested_by="bench"):
            created += result.status == "created"
        return created
    finally:
        await store.close()


async def brief_from_store(db: Path, tl: dict[str, Any]) -> list[dict[str, Any]]:
    store = create_store(db)
    await store.open()
    try:
        briefing = await build_briefing(
            store,
            None,
            Scope.all(),
            since=date.fromisoformat(tl["start"]),
            until=date.fromisoformat(tl["end"]),
            n_dates=tl["n_dates"],
            per_date=tl["sents_per_date"],
        )
    finally:
        await store.close()
    return [e.to_dict() for e in briefing.timeline]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "timelines")
    ap.add_argument("--direct", action="store_true", help="no store: split and brief in memory")
    ap.add_argument("--keep", type=Path, help="keep the stores in this folder")
    ap.add_argument("--topics", nargs="*", help="only these topics")
    args = ap.parse_args()
    scorer = load_scorer()
    gold = args.data / "timeline17-dev.jsonl"
    topics = [json.loads(line) for line in gold.open()]
    if args.topics:
        topics = [t for t in topics if t["topic"] in args.topics]
        sub = Path(tempfile.mkdtemp()) / "gold.jsonl"
        sub.write_text("".join(json.dumps(t) + "\n" for t in topics))
        gold = sub
    tmp = Path(tempfile.mkdtemp(prefix="bench-timelines-"))
    work = args.keep or tmp
    work.mkdir(parents=True, exist_ok=True)
    preds: dict[str, list[dict[str, Any]]] = {}
    base: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
    t0 = time.perf_counter()
    brief_time = 0.0
    for topic in topics:
        name = topic["topic"]
        arts = topic["articles"]
        if not args.direct:
            db = work / f"{name}.db"
            if not db.exists():
                created = asyncio.run(ingest_topic(db, arts, tmp))
                print(f"{name}: ingested {created} of {len(arts)} articles", file=sys.stderr)
        else:
            docs = docs_in_memory(arts)
        for tl in topic["timelines"]:
            key = f"{name}/{tl['name']}"
            t1 = time.perf_counter()
            if args.direct:
                start, end = date.fromisoformat(tl["start"]), date.fromisoformat(tl["end"])
                span = [d for d in docs if d.published and start <= d.published <= end]
                b = brief_docs(
                    span, since=start, until=end, n_dates=tl["n_dates"], per_date=tl["sents_per_date"]
                )
                preds[key] = [e.to_dict() for e in b.timeline]
            else:
                preds[key] = asyncio.run(brief_from_store(work / f"{name}.db", tl))
            brief_time += time.perf_counter() - t1
            for kind in ("datefreq", "mentions"):
                base[kind][key] = baseline(kind, arts, tl, args.data)
            for seed in range(5):
                base[f"random{seed}"][key] = baseline("random", arts, tl, args.data, seed, key)
    rows: list[tuple[str, tuple[float, ...]]] = []
    for label, kind in (("DATE-FREQ", "datefreq"), ("DATE-FREQ + mentions", "mentions")):
        rows.append((label, headline(score(base[kind], gold, scorer, tmp / f"{kind}.json"))))
    rnd = [headline(score(base[f"random{s}"], gold, scorer, tmp / f"r{s}.json")) for s in range(5)]
    rows.insert(0, ("RANDOM (mean of 5 seeds)", tuple(sum(r[i] for r in rnd) / 5 for i in range(5))))
    ours = score(preds, gold, scorer, tmp / "briefing.json")
    mine = headline(ours)
    print(f"{'system':34} {'AR-1':>7} {'AR-2':>7} {'Date-F1':>8} {'cR-1':>7} {'cR-2':>7}")
    for label, r in rows:
        print(f"{label:34} {r[0]:7.4f} {r[1]:7.4f} {r[2]:8.3f} {r[3]:7.3f} {r[4]:7.3f}")
    print(f"{'newsbot brief':34} {mine[0]:7.4f} {mine[1]:7.4f} {mine[2]:8.3f} {mine[3]:7.3f} {mine[4]:7.3f}")
    for label, r in PUBLISHED:
        print(f"{label:34} {r[0]:7.4f} {r[1]:7.4f} {r[2]:8.3f} {r[3]:7.3f} {r[4]:7.3f}")
    # the target is measured against the better of the recomputed and the published figure of each baseline
    best = [max(r[i] for _, r in [*rows, *PUBLISHED]) for i in range(3)]
    gains = [(mine[i] / best[i] - 1) * 100 if best[i] else 0.0 for i in range(3)]
    print(
        f"above the best baseline: AR-1 {gains[0]:+.1f} % (target +15), AR-2 {gains[1]:+.1f} % (target +30), "
        f"Date-F1 {gains[2]:+.1f} % (target +10)"
    )
    print("per timeline (newsbot brief):")
    for key, r in ours["per_timeline"].items():
        a = r["align+ m:1"]
        print(
            f"  {key[:60]:60} AR-1 {a['rouge_1']['f_score']:.4f} AR-2 {a['rouge_2']['f_score']:.4f} "
            f"Date-F1 {r['dates']['f_score']:.3f}"
        )
    print(f"{len(preds)} timelines, briefing time {brief_time:.1f} s, total {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
