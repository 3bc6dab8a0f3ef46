"""Faults injected everywhere, and what newsbot did about them: one table row per fault (how many times it
was injected, what the bot did, losses and doubles found — the target is zero of both), then the
kill-point cycles (SIGKILL at random moments of a mixed workload) and the soak's flat-line figures (a
simulated week of 200 feeds and 500 topics).

Discord faults come from the emulator (tests/emulator/faults.py) against an in-process bot
(tests/faults/scenarios.py); storage faults from bench/faults_storage.py when that module is present.

    .venv/bin/python bench/reliability.py                  # everything (about 15 minutes on 2 cores)
    .venv/bin/python bench/reliability.py --quick          # smaller scale (a few minutes)
    .venv/bin/python bench/reliability.py --only discord   # discord | storage | crash | soak
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from tests.faults import scenarios as S  # noqa: E402
from tests.faults.crash import crash_cycles  # noqa: E402
from tests.faults.soak import soak  # noqa: E402

Row = dict[str, Any]


def storage_rows() -> list[Row]:
    try:
        from faults_storage import scenarios  # type: ignore[import-not-found]
    except ImportError as exc:
        return [
            {
                "fault": "storage faults (bench/faults_storage.py)",
                "injected": 0,
                "behaviour": f"not available: {exc}",
                "lost": "-",
                "doubled": "-",
            }
        ]
    return list(scenarios())


def discord_plan(quick: bool) -> list[tuple[str, Callable[[Path], Awaitable[Row]]]]:
    k = 1 if quick else 3
    return [
        ("gateway", lambda t: S.gateway_close_mid_command(t, rounds=4 * k)),
        ("invalid", lambda t: S.invalid_session(t, rounds=k + 1)),
        *[
            (
                f"err{status}",
                lambda t, s=status: S.digest_sends_under_fault(t, "error", status=s, topics=8, times=4 * k),
            )
            for status in (500, 502, 503)
        ],
        ("delay", lambda t: S.digest_sends_under_fault(t, "delay", topics=8, times=3 * k)),
        ("drop", lambda t: S.digest_sends_under_fault(t, "drop", topics=8, times=3 * k)),
        ("storm", lambda t: S.digest_sends_under_fault(t, "storm", topics=12, times=40 * k)),
        ("global", lambda t: S.digest_sends_under_fault(t, "global", topics=12, times=15 * k)),
        ("edit502", lambda t: S.followup_under_fault(t, 502, times=1)),
        ("edit503x5", lambda t: S.followup_under_fault(t, 503, times=5)),
        ("send", lambda t: S.permission_lost(t, "send", topics=4)),
        ("view", lambda t: S.permission_lost(t, "view", topics=4)),
        ("refused", lambda t: S.refused_storm(t, topics=150 if quick else 500, hours=6 if quick else 24)),
        ("token", lambda t: S.token_expires_during_job(t, articles=40 if quick else 120, ttl=0.5)),
    ]


async def run_discord(quick: bool) -> list[Row]:
    rows = []
    for name, run in discord_plan(quick):
        with tempfile.TemporaryDirectory(prefix=f"rel-{name}-") as tmp:
            started = time.monotonic()
            try:
                row = await run(Path(tmp))
            except Exception as exc:  # a scenario that breaks is a finding, not a crash of the bench
                row = {
                    "fault": name,
                    "injected": "?",
                    "behaviour": f"SCENARIO FAILED: {exc!r}"[:200],
                    "lost": "?",
                    "doubled": "?",
                }
            row["seconds"] = round(time.monotonic() - started, 1)
            rows.append(row)
            print(f"  … {row['fault']}: {row['seconds']} s", file=sys.stderr, flush=True)
    return rows


def table(rows: list[Row]) -> str:
    head = ("fault", "injected", "what the bot did", "lost", "doubled")
    body = [
        (str(r["fault"]), str(r["injected"]), str(r["behaviour"]), str(r["lost"]), str(r["doubled"]))
        for r in rows
    ]
    widths = [min(max(len(x[i]) for x in [head, *body]), 110) for i in range(5)]
    line = " | ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*head), "-+-".join("-" * w for w in widths)]
    out += [line.format(*(c[:110] for c in row)) for row in body]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller scale")
    ap.add_argument("--only", choices=("discord", "storage", "crash", "soak"))
    ap.add_argument("--cycles", type=int, help="kill-point cycles (default 30, quick 10)")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--soak-hours", type=int, help="simulated hours (default 168 = a week, quick 24)")
    args = ap.parse_args()
    logging.getLogger().addHandler(logging.NullHandler())  # the table is the output; findings are in rows

    def want(part: str) -> bool:
        return args.only in (None, part)

    rows: list[Row] = []
    if want("storage"):
        rows += storage_rows()  # synchronous: it may run its own event loops
    if want("discord"):
        rows += asyncio.run(run_discord(args.quick))
    crash: dict[str, Any] | None = None
    if want("crash"):
        cycles = args.cycles or (10 if args.quick else 30)
        with tempfile.TemporaryDirectory(prefix="rel-crash-") as tmp:
            crash = asyncio.run(crash_cycles(Path(tmp), cycles=cycles, seed=args.seed))
        rows.append(
            {
                "fault": f"SIGKILL at random points ({cycles} cycles, seed {args.seed})",
                "injected": cycles + crash["cli_killed"],
                "behaviour": f"restarted each time; {crash['articles']} articles, {crash['feed_items']} feed items, "
                f"{crash['announced']} announced, {crash['digests']} digests",
                "lost": crash["broken"]
                + crash["feed_missing"]
                + crash["announce_missing"]
                + crash["digest_missing"]
                + crash["owed"],
                "doubled": crash["feed_doubled"] + crash["announce_doubled"] + crash["digest_doubled"],
            }
        )
    soaked: dict[str, Any] | None = None
    if want("soak"):
        hours = args.soak_hours or (24 if args.quick else 168)
        with tempfile.TemporaryDirectory(prefix="rel-soak-") as tmp:
            soaked = asyncio.run(soak(Path(tmp), feeds=200, topics=500, hours=hours, rate=2400.0))
    print("newsbot reliability: faults injected, losses and doubles found (target: zero)\n")
    print(table(rows))
    if crash is not None:
        print(
            f"\nkill points: {len(crash['kill_points'])} cycles, SIGKILL after "
            + ", ".join(f"{p:.2f}" for p in crash["kill_points"])
            + f" s of each run; the CLI ingest beside it killed {crash['cli_killed']} times"
        )
        print(
            f"invariants: broken articles {crash['broken']}, feed items missing/doubled "
            f"{crash['feed_missing']}/{crash['feed_doubled']}, announcements missing/doubled "
            f"{crash['announce_missing']}/{crash['announce_doubled']}, digest listings missing/doubled "
            f"{crash['digest_missing']}/{crash['digest_doubled']}, pending digests left {crash['owed']}, "
            f"errors logged {len(crash['errors'])}, exit code {crash['exit_code']}"
        )
    if soaked is not None:
        f, last = soaked["first"], soaked["last"]
        print(
            f"\nsoak: {soaked['feeds']} feeds, {soaked['topics']} topics, {soaked['hours']} simulated hours at "
            f"{soaked['rate']:.0f}x; {soaked['articles']} articles, {soaked['digests_posted']} digests, "
            f"{soaked['announcements']} announcements"
        )
        print("            rss MB   fds   tasks (standing / peak)")
        print(f"first hour  {f['rss_mb']:>6}  {f['fds']:>4}   {f['tasks']:>3} / {f['tasks_max']}")
        print(f"last hour   {last['rss_mb']:>6}  {last['fds']:>4}   {last['tasks']:>3} / {last['tasks_max']}")
        if "drained" in soaked:
            b, d = soaked["baseline"], soaked["drained"]
            print(f"idle before {b['rss_mb']:>6}  {b['fds']:>4}   {b['tasks']:>3}")
            print(f"idle after  {d['rss_mb']:>6}  {d['fds']:>4}   {d['tasks']:>3}   (work in flight ended)")
        print(f"warnings logged: {len(soaked['warnings'])}; emulator violations: {len(soaked['violations'])}")
        for w in soaked["warnings"][:5]:
            print(f"  {w[:150]}")
    problems = [r for r in rows if any(r.get(k) for k in ("violations",))]
    if problems:
        print("\nemulator violations:")
        for r in problems:
            for v in r["violations"][:3]:
                print(f"  {r['fault']}: {v[:150]}")


if __name__ == "__main__":
    main()
