"""Copy a whole store into another one, between any two backends (`newsbot migrate`).

Tables go in dependency order (bot/store/rows.py), each in keyed batches: one batch = one target
transaction, so an interrupted copy leaves a clean prefix of every table, and `resume` continues each
table after the target's last key. At the end both sides are read again and compared per table: row
count and an order-independent checksum of every row's neutral values.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.errors import NewsbotError
from bot.store.base import ArticleStore, Scope
from bot.store.rows import TABLES, TableChecksum, TableSpec

log = logging.getLogger(__name__)

BATCH = 2000


class MigrationError(NewsbotError):
    """The target cannot take the copy (not empty without resume) or the copy does not match."""

    exit_code = 2


class MismatchError(NewsbotError):
    """Verification found a difference between source and target."""


# A progress sink: (table, rows done in this step, total rows if known, phase "copy" | "verify").
Progress = Callable[[str, int, int | None, str], None]


def _quiet(table: str, done: int, total: int | None, phase: str) -> None:
    return None


@dataclass(slots=True)
class TableResult:
    name: str
    copied: int = 0
    source_rows: int = 0
    target_rows: int = 0
    source_checksum: str = ""
    target_checksum: str = ""

    @property
    def matches(self) -> bool:
        return self.source_rows == self.target_rows and self.source_checksum == self.target_checksum


@dataclass(slots=True)
class MigrationReport:
    tables: list[TableResult] = field(default_factory=list)
    resumed: bool = False

    @property
    def ok(self) -> bool:
        return all(t.matches for t in self.tables)


async def target_holds_data(target: ArticleStore) -> list[str]:
    """Tables of the target that already have rows (counters a fresh schema seeds do not count)."""
    return [spec.name for spec in TABLES if not spec.upsert and await target.last_row_key(spec.name)]


async def copy_table(
    source: ArticleStore,
    target: ArticleStore,
    spec: TableSpec,
    *,
    resume: bool,
    batch: int = BATCH,
    progress: Progress = _quiet,
    total: int | None = None,
) -> int:
    """Copy one table in keyed batches; returns the rows copied by this call."""
    after = None if (spec.upsert or not resume) else await target.last_row_key(spec.name)
    copied = 0
    while True:
        rows = await source.export_rows(spec.name, after, batch)
        if not rows:
            return copied
        await target.import_rows(spec.name, rows)
        copied += len(rows)
        after = spec.key_of(rows[-1])
        progress(spec.name, len(rows), total, "copy")
        if len(rows) < batch:
            return copied


async def checksum(
    store: ArticleStore, spec: TableSpec, *, batch: int = BATCH, progress: Progress = _quiet
) -> TableChecksum:
    result = TableChecksum(spec)
    after = None
    while True:
        rows = await store.export_rows(spec.name, after, batch)
        if not rows:
            return result
        result.add(rows)
        after = spec.key_of(rows[-1])
        progress(spec.name, len(rows), None, "verify")
        if len(rows) < batch:
            return result


async def migrate(
    source: ArticleStore,
    target: ArticleStore,
    *,
    resume: bool = False,
    batch: int = BATCH,
    progress: Progress = _quiet,
    verify: bool = True,
) -> MigrationReport:
    """Copy everything from `source` into `target`; refuses a non-empty target unless `resume`."""
    busy = await target_holds_data(target)
    if busy and not resume:
        raise MigrationError(
            f"the target already holds data ({', '.join(busy)}); pass --resume to continue an "
            "interrupted migration into it"
        )
    report = MigrationReport(resumed=bool(busy))
    articles_total = await source.count_articles(Scope.all())
    for spec in TABLES:
        total = articles_total if spec.name == "articles" else None
        copied = await copy_table(
            source, target, spec, resume=resume, batch=batch, progress=progress, total=total
        )
        log.info("table copied", extra={"table": spec.name, "rows": copied})
        report.tables.append(TableResult(spec.name, copied=copied))
    if verify:
        await verify_tables(source, target, report, batch=batch, progress=progress)
    return report


async def verify_tables(
    source: ArticleStore,
    target: ArticleStore,
    report: MigrationReport,
    *,
    batch: int = BATCH,
    progress: Progress = _quiet,
) -> None:
    for result, spec in zip(report.tables, TABLES, strict=True):
        a = await checksum(source, spec, batch=batch, progress=progress)
        b = await checksum(target, spec, batch=batch, progress=progress)
        result.source_rows, result.source_checksum = a.count, a.hexdigest
        result.target_rows, result.target_checksum = b.count, b.hexdigest
