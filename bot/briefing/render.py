"""A briefing as plain text (the CLI) and as Markdown pages that fit a Discord embed (the cog renders them).

No Discord imports: pages are strings with a title; the cog wraps them in embeds and buttons.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.briefing.coverage import render_text
from bot.briefing.types import Briefing

PAGE_LIMIT = 3800  # below an embed description's 4096 characters, leaving room for a footer line
LINE_LIMIT = 400  # a single sentence or quote is cut beyond this


@dataclass(frozen=True, slots=True)
class Page:
    title: str
    body: str


def _cut(text: str, limit: int = LINE_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _escape(text: str) -> str:
    """Markdown and mention-looking text shown literally (the message also pings nobody)."""
    for ch in ("\\", "*", "_", "~", "`", "|", ">", "[", "]"):
        text = text.replace(ch, "\\" + ch)
    return text.replace("@", "@\u200b")


def text_lines(b: Briefing) -> list[str]:
    head = f"Briefing: {b.query!r}" if b.query else "Briefing: every article"
    lines = [f"{head} — {b.articles} articles"]
    lines.append("")
    lines.append("Timeline")
    for e in b.timeline:
        for i, s in enumerate(e.sentences):
            lines.append(f"  {e.date.isoformat() if i == 0 else ' ' * 10}  {_cut(s.text)} [#{s.article_id}]")
    if not b.timeline:
        lines.append("  (no dated developments)")
    lines.append("")
    lines.append("Key points")
    for k in b.key_points:
        when = k.published.isoformat() if k.published else "undated"
        lines.append(f"  - {_cut(k.text)} [#{k.article_id}, {k.source}, {when}]")
    lines.append("")
    lines.append("Who said what")
    for v in b.voices:
        also = f" (also: {', '.join(f for f in v.forms if f != v.speaker)})" if len(v.forms) > 1 else ""
        lines.append(f"  {v.speaker}{also}: {len(v.quotes)} quote(s)")
        for q in v.quotes:
            when = q.published.isoformat() if q.published else "undated"
            lines.append(f"    “{_cut(q.text, 300)}” [#{q.article_id}, {when}]")
    if not b.voices:
        lines.append("  (no attributed quotes)")
    if b.coverage:
        lines.append("")
        lines.append(f"Coverage (articles per {b.coverage.unit})")
        lines.extend("  " + line for line in render_text(b.coverage))
    lines.append("")
    lines.append("Sources used: " + ", ".join(f"{s} {n}" for s, n in b.sources.items()))
    return lines


def _paginate(title: str, lines: list[str]) -> list[Page]:
    pages: list[Page] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and size + len(line) + 1 > PAGE_LIMIT:
            pages.append(Page(title, "\n".join(current)))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        pages.append(Page(title, "\n".join(current)))
    return pages


def discord_pages(b: Briefing, link: str = "#{id}", *, short: bool = False) -> list[Page]:
    """Timeline, key points and voices pages (each within an embed's limits). `link` formats an article
    reference from its id; `short` keeps a few lines of each part (a digest's briefing)."""

    def ref(article_id: int) -> str:
        return link.format(id=article_id)

    timeline = []
    for e in b.timeline[: 5 if short else None]:
        texts = " ".join(
            f"{_escape(_cut(s.text, 250 if short else LINE_LIMIT))} ({ref(s.article_id)})"
            for s in e.sentences[: 1 if short else None]
        )
        timeline.append(f"**{e.date.isoformat()}** — {texts}")
    points = [
        f"• {_escape(_cut(k.text, 250 if short else LINE_LIMIT))} — {_escape(k.source)}, {ref(k.article_id)}"
        for k in b.key_points[: 3 if short else None]
    ]
    voices = []
    for v in b.voices[: 3 if short else None]:
        also = (
            f" (also {', '.join(_escape(f) for f in v.forms if f != v.speaker)})" if len(v.forms) > 1 else ""
        )
        voices.append(f"**{_escape(v.speaker)}**{also}")
        for q in v.quotes[: 1 if short else None]:
            when = q.published.isoformat() if q.published else "undated"
            voices.append(f"> {_escape(_cut(q.text, 250 if short else 300))} — {ref(q.article_id)}, {when}")
    if short:
        lines = ["__Timeline__", *timeline, "__Key points__", *points]
        if voices:
            lines += ["__Voices__", *voices]
        return _paginate("Briefing", lines)[:1]
    pages = _paginate("Timeline", timeline or ["No dated developments found."])
    pages += _paginate("Key points", points or ["No key points found."])
    pages += _paginate("Who said what", voices or ["No attributed quotes found."])
    if b.coverage:
        cov = ["```", *render_text(b.coverage), "```"]
        sources = "Sources used: " + ", ".join(f"{_escape(s)} {n}" for s, n in b.sources.items())
        pages += _paginate("Coverage", [*cov, _cut(sources, 1000)])
    return pages


def digest_block(b: Briefing, limit: int = 1900) -> str:
    """The short briefing a topic's digest carries: a few timeline dates, key points and voices in one
    message under Discord's 2,000 characters."""
    page = discord_pages(b, short=True)[0]
    text = "🧭 **The story so far**\n" + page.body
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit("\n", 1)[0] if "\n" in cut else cut) + "…"
