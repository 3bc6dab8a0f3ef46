"""Coverage: per day or per week by outlet, as PNG and text; the Discord pages stay within limits."""

from __future__ import annotations

from datetime import date, timedelta

from bot.briefing import brief_docs
from bot.briefing.coverage import coverage, render_png, render_text
from bot.briefing.render import PAGE_LIMIT, digest_block, discord_pages
from bot.briefing.types import BriefDoc


def docs(days: int, per_day: int = 2) -> list[BriefDoc]:
    out = []
    for d in range(days):
        for k in range(per_day):
            out.append(
                BriefDoc(
                    len(out) + 1,
                    date(2021, 1, 1) + timedelta(days=d),
                    ["bbc", "cnn", "fox", "afp", "ap", "dw", "rt", "nhk"][(d + k) % 8],
                    "t",
                    (
                        f"The @everyone **harbour** council met on day {d} to discuss the new ferry terminal plans.",
                    ),
                    quotes=((f"We will decide on day {d}.", "Mayor Jane Holt"),),
                )
            )
    return out


def test_daily_then_weekly_and_other_outlets() -> None:
    short = coverage(docs(10))
    assert short is not None and short.unit == "day" and len(short.periods) == 10
    assert sum(sum(r) for r in short.counts.values()) == 20
    long = coverage(docs(100, 1))
    assert long is not None and long.unit == "week"
    assert all(p.weekday() == 0 for p in long.periods)
    assert list(long.counts)[-1] == "other" and len(long.counts) == 7  # six outlets apart, the rest together
    lines = render_text(long)
    assert len(lines) <= 14 and all(" wk " in line for line in lines)
    for cov in (short, long):
        assert render_png(cov).startswith(b"\x89PNG\r\n\x1a\n")


def test_pages_fit_and_neutralise_mentions() -> None:
    b = brief_docs(docs(60, 3), n_dates=12, per_date=2)
    pages = discord_pages(b)
    assert {p.title for p in pages} >= {"Timeline", "Key points", "Who said what", "Coverage"}
    for page in pages:
        assert len(page.body) <= PAGE_LIMIT
        assert "@everyone" not in page.body and "**harbour**" not in page.body
    block = digest_block(b)
    assert len(block) <= 1900 and block.startswith("🧭 **The story so far**")
