"""A 1.5-million-line gzipped JSONL upload in server A while server B sends 50 /summary commands, through
the Discord emulator against a real `newsbot run`: prints B's response times against Discord's 3 s
deadline, how long the upload took, and the bot's peak memory (VmHWM).

    .venv/bin/python bench/upload_burst.py [--lines 1500000] [--commands 50] [--max-items 10000]
        [--articles]   (article-like lines, each a store write, instead of the reported tiny lines)
        [--no-wait]    (stop after server B's commands: for code whose upload never finishes)
        [--spacing S]  (seconds between server B's commands, default 0.05)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.cogs.burst import ARTICLE, TINY, flood, peak_rss_mb, run_burst  # noqa: E402
from tests.cogs.conftest import start_world, stop_world  # noqa: E402


async def main(lines: int, commands: int, max_items: int, articles: bool, wait: bool, spacing: float) -> None:
    data = flood(lines, ARTICLE if articles else TINY)
    with tempfile.TemporaryDirectory() as tmp:
        world = await start_world(Path(tmp), {"NEWSBOT_UPLOAD_MAX_ITEMS": str(max_items)})
        try:
            assert world.proc is not None
            base = peak_rss_mb(world.proc.pid)
            burst = await run_burst(world, commands, data, wait_upload=wait, spacing=spacing)
            peak = peak_rss_mb(world.proc.pid)
        finally:
            await stop_world(world)
    lat = sorted(x * 1000 for x in burst.latencies)
    kind = "article-like" if articles else "tiny"
    print(f"upload: {len(data):,} bytes gzip, {lines:,} {kind} lines, cap {max_items:,} items")
    if wait:
        print(f"upload answer after {burst.upload_seconds:.1f} s: {burst.upload_title!r}")
    times = f"p50 {statistics.median(lat):.0f} ms, max {lat[-1]:.0f} ms; " if lat else ""
    print(
        f"server B: {len(lat)}/{commands} answered within 15 s, {burst.unanswered} not; "
        f"{times}over Discord's 3 s: {sum(x > 3000 for x in lat)}"
    )
    print(f"bot peak memory (VmHWM): {peak:.0f} MB (at start-up {base:.0f} MB)")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--lines", type=int, default=1_500_000)
    p.add_argument("--commands", type=int, default=50)
    p.add_argument("--max-items", type=int, default=10_000)
    p.add_argument("--articles", action="store_true")
    p.add_argument("--no-wait", action="store_true")
    p.add_argument("--spacing", type=float, default=0.05)
    a = p.parse_args()
    asyncio.run(main(a.lines, a.commands, a.max_items, a.articles, not a.no_wait, a.spacing))
