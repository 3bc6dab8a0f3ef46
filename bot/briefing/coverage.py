"""Coverage: articles per day (or week, for long stories) by outlet, as a PNG chart and as text."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

from bot.briefing.types import BriefDoc, Coverage

MAX_SERIES = 6  # outlets drawn on their own; the rest are "other"
DAILY_UP_TO = 60  # days; longer stories are counted per week
BARS_UP_TO = 40  # periods drawn as bars; more are drawn as stacked areas


def coverage(docs: Sequence[BriefDoc]) -> Coverage | None:
    days = [d.published for d in docs if d.published]
    if not days:
        return None
    first, last = min(days), max(days)
    weekly = (last - first).days + 1 > DAILY_UP_TO
    unit = "week" if weekly else "day"

    def period(d: date) -> date:
        return d - timedelta(days=d.weekday()) if weekly else d

    start, stop = period(first), period(last)
    step = timedelta(days=7 if weekly else 1)
    periods: list[date] = []
    p = start
    while p <= stop:
        periods.append(p)
        p += step
    index = {p: i for i, p in enumerate(periods)}
    by_source = Counter(d.source for d in docs if d.published)
    top = [s for s, _ in by_source.most_common(MAX_SERIES)]
    counts: dict[str, list[int]] = {}
    for doc in docs:
        if not doc.published:
            continue
        name = doc.source if doc.source in top else "other"
        row = counts.setdefault(name, [0] * len(periods))
        row[index[period(doc.published)]] += 1
    ordered = {s: counts[s] for s in [*top, "other"] if s in counts}
    return Coverage(unit, periods, ordered)


def render_text(cov: Coverage, width: int = 20, max_rows: int = 14) -> list[str]:
    """One line per period with a bar and the outlets, busiest periods kept when there are too many."""
    totals = [sum(row[i] for row in cov.counts.values()) for i in range(len(cov.periods))]
    peak = max(totals) if totals else 0
    rows = [i for i in range(len(cov.periods)) if totals[i]]
    if len(rows) > max_rows:
        rows = sorted(sorted(rows, key=lambda i: -totals[i])[:max_rows])
    lines = []
    for i in rows:
        bar = "█" * max(1, round(width * totals[i] / peak)) if peak else ""
        parts = ", ".join(f"{s} {row[i]}" for s, row in cov.counts.items() if row[i])
        label = cov.periods[i].isoformat() + (" wk" if cov.unit == "week" else "")
        lines.append(f"{label} {bar} {totals[i]} ({parts})")
    return lines


def render_png(cov: Coverage, title: str = "Coverage") -> bytes:
    """A stacked chart drawn off-screen (Agg), so no display is needed: bars for a few periods, stacked
    areas for many (one artist per outlet instead of one per bar keeps it fast)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.2), dpi=100)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.9, bottom=0.12)
    ax = fig.add_subplot(1, 1, 1)
    x = date2num(cov.periods)
    names = list(cov.counts)
    rows = [cov.counts[n] for n in names]
    if len(cov.periods) <= BARS_UP_TO:
        bottom = [0] * len(cov.periods)
        width = 5.5 if cov.unit == "week" else 0.8
        for name, row in zip(names, rows, strict=True):
            ax.bar(x, row, bottom=bottom, width=width, label=name)
            bottom = [b + r for b, r in zip(bottom, row, strict=True)]
    else:
        ax.stackplot(x, *rows, labels=names, step="mid")
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_title(title[:80])
    ax.set_ylabel(f"articles per {cov.unit}")
    ax.legend(fontsize="small", loc="upper right")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
