"""`newsbot migrate --from A --to B [--resume]`: copy a whole store between backends, then verify it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli.common import Context, UsageError
from bot.migrate import BATCH, MigrationReport, MismatchError, migrate
from bot.store import create_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "migrate",
        help="copy everything from one store into another (SQLite file or postgresql:// URL), then verify",
    )
    p.add_argument("--from", dest="source", required=True, metavar="PATH_OR_URL", help="the store to read")
    p.add_argument("--to", dest="target", required=True, metavar="PATH_OR_URL", help="the store to fill")
    p.add_argument(
        "--resume", action="store_true", help="continue an interrupted migration into a non-empty target"
    )
    p.add_argument("--batch", type=int, default=BATCH, help=f"rows per transaction (default {BATCH})")
    p.add_argument("--no-verify", action="store_true", help="skip the final count and checksum comparison")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(handler=cmd_migrate, needs_store=False)


class _Bars:
    """One tqdm bar per table and phase, on stderr."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bars: dict[tuple[str, str], Any] = {}
        self.current: Any = None

    def __call__(self, table: str, done: int, total: int | None, phase: str) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        key = (table, phase)
        bar = self.bars.get(key)
        if bar is None:
            if self.current is not None:
                self.current.close()
            label = table if phase == "copy" else f"verify {table}"
            bar = tqdm(total=total, desc=label, unit=" rows", file=sys.stderr, leave=True, dynamic_ncols=True)
            self.bars[key] = self.current = bar
        bar.update(done)

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None


async def cmd_migrate(args: argparse.Namespace, ctx: Context) -> int:
    if args.batch < 1:
        raise UsageError("--batch must be at least 1")
    if args.source == args.target:
        raise UsageError("--from and --to name the same store")
    source = create_store(args.source)
    target = create_store(args.target)
    bars = _Bars(not args.no_progress)
    await source.open()
    try:
        await target.open()
        try:
            report = await migrate(
                source,
                target,
                resume=args.resume,
                batch=args.batch,
                progress=bars,
                verify=not args.no_verify,
            )
        finally:
            bars.close()
            await target.close()
    finally:
        await source.close()
    _print(report, verified=not args.no_verify)
    if not args.no_verify and not report.ok:
        bad = ", ".join(t.name for t in report.tables if not t.matches)
        raise MismatchError(f"the copy differs from the source in: {bad}")
    return 0


def _print(report: MigrationReport, *, verified: bool) -> None:
    out = sys.stdout
    out.write(f"{'table':<20} {'copied':>10} {'source':>10} {'target':>10}  checksum\n")
    for t in report.tables:
        if verified:
            state = t.source_checksum if t.matches else f"DIFFERS {t.source_checksum} != {t.target_checksum}"
            out.write(f"{t.name:<20} {t.copied:>10} {t.source_rows:>10} {t.target_rows:>10}  {state}\n")
        else:
            out.write(f"{t.name:<20} {t.copied:>10} {'-':>10} {'-':>10}  not verified\n")
    out.flush()
