"""All rendering: article card, summary, quotes, related list, search pages, settings; the pager view;
the fast-or-deferred reply helper; and the `/settings` command.

Every builder escapes article and user text (no markdown or mention injection) and finishes with
`fit_embed`, so whatever the article, the message stays inside Discord's limits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import markdown
from bot.guild_settings import GuildSettings, colour_hex, parse_colour
from bot.models import Article, Quote
from bot.search.types import RelatedResult, SearchHit
from bot.services import QuoteSelection, SummaryResult, may_manage
from bot.store import StoreStats
from cogs.audit import audit

if TYPE_CHECKING:
    from bot.client import NewsBot

# Discord's limits.
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
EMBEDS_MAX = 10
CONTENT_MAX = 2000
CHOICE_NAME_MAX = 100
URL_MAX = 2048

HITS_PER_PAGE = 5
HL_OPEN, HL_CLOSE = "\x02", "\x03"  # search snippet markers, turned into bold after escaping


# --- text helpers ----------------------------------------------------------------------------------------
def escape(text: str | None) -> str:
    """Article or user text made inert (bot.markdown.escape: the one rule every message uses)."""
    return markdown.escape(text)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis; never ends in a lone escape."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    cut = cut.rstrip()
    while cut.endswith("\\"):
        cut = cut[:-1]
    return cut + "…"


def plain_clip(text: str, limit: int) -> str:
    """For places Discord shows as plain text (autocomplete choices): whitespace collapsed, clipped."""
    return clip(" ".join(text.split()), limit) or "untitled"


def http_url(url: str | None) -> str | None:
    """A URL safe to put in an embed (http/https, no spaces, within the length limit), else None."""
    if not url or len(url) > URL_MAX or any(c.isspace() for c in url):
        return None
    return url if url.lower().startswith(("http://", "https://")) else None


def link_target(url: str | None) -> str | None:
    """An http(s) URL made safe inside `[text](<url>)` (see bot.markdown), or None if unsafe or too long."""
    out = markdown.link_target(url)
    return out if out is not None and len(out) <= URL_MAX else None


def link_text(text: str) -> str:
    """Escaped text for inside `[...]`: square brackets become parentheses so none can close the link."""
    return markdown.link_text(text)


def inline_code(text: str | None, limit: int = 80) -> str:
    return markdown.inline_code(text, limit)


def when(dt: datetime | None) -> str | None:
    """A Discord timestamp (shown in each reader's time zone)."""
    return f"<t:{int(dt.timestamp())}:D>" if dt else None


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Enforce every per-part limit, then the 6000-character total (dropping fields from the end first)."""
    if embed.title:
        embed.title = clip(embed.title, TITLE_MAX)
    if embed.description:
        embed.description = clip(embed.description, DESCRIPTION_MAX)
    if embed.author and embed.author.name:
        embed.set_author(
            name=clip(embed.author.name, AUTHOR_MAX), url=embed.author.url, icon_url=embed.author.icon_url
        )
    if embed.footer and embed.footer.text:
        embed.set_footer(text=clip(embed.footer.text, FOOTER_MAX), icon_url=embed.footer.icon_url)
    fields = embed.fields[:FIELDS_MAX]
    embed.clear_fields()
    for f in fields:
        embed.add_field(
            name=clip(f.name or "\u200b", FIELD_NAME_MAX) or "\u200b",
            value=clip(f.value or "\u200b", FIELD_VALUE_MAX) or "\u200b",
            inline=bool(f.inline),
        )
    while len(embed) > EMBED_TOTAL_MAX and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    if len(embed) > EMBED_TOTAL_MAX and embed.description:
        excess = len(embed) - EMBED_TOTAL_MAX
        embed.description = clip(embed.description, max(1, len(embed.description) - excess))
    return embed


def fill_lines(blocks: Sequence[str], limit: int, sep: str = "\n") -> tuple[str, int]:
    """Join whole blocks while they fit; returns the text and how many blocks made it (at least one, clipped)."""
    out: list[str] = []
    size = 0
    for block in blocks:
        extra = len(block) + (len(sep) if out else 0)
        if size + extra > limit:
            break
        out.append(block)
        size += extra
    if not out and blocks:
        return clip(blocks[0], limit), 1
    return sep.join(out), len(out)


# --- builders ----------------------------------------------------------------------------------------------
def _base(article: Article, settings: GuildSettings, title_prefix: str = "") -> discord.Embed:
    embed = discord.Embed(
        title=clip(title_prefix + escape(article.title), TITLE_MAX),
        url=http_url(article.url),
        colour=settings.accent_colour,
    )
    byline = " · ".join(x for x in (escape(article.source), escape(", ".join(article.authors[:5]))) if x)
    if byline:
        embed.set_author(name=clip(byline, AUTHOR_MAX))
    embed.set_footer(text=f"Article #{article.id}")
    if article.published:
        embed.timestamp = article.published
    return embed


def article_card(article: Article, settings: GuildSettings) -> discord.Embed:
    embed = _base(article, settings)
    parts = []
    if article.subtitle:
        parts.append(f"*{escape(article.subtitle)}*")
    lead = next((p.text for p in article.paragraphs if p.kind == "text"), "")
    if lead:
        parts.append(clip(escape(lead), 600))
    embed.description = clip("\n\n".join(parts), DESCRIPTION_MAX) or None
    if article.source:
        embed.add_field(name="Source", value=escape(article.source))
    if article.published:
        embed.add_field(name="Published", value=when(article.published) or "")
    if article.section:
        embed.add_field(name="Section", value=escape(article.section))
    embed.add_field(name="Length", value=f"{article.word_count:,} words")
    if article.guild_id is None:
        embed.add_field(name="Library", value="global")
    image = http_url(article.image)
    if settings.show_images and image:
        embed.set_image(url=image)
    return fit_embed(embed)


def summary_embed(article: Article, summary: SummaryResult, settings: GuildSettings) -> discord.Embed:
    embed = _base(article, settings)
    if summary.sentences:
        text, _ = fill_lines([f"• {escape(s)}" for s in summary.sentences], DESCRIPTION_MAX)
    else:
        text = "This article has no sentences to summarise."
    embed.description = text
    embed.set_footer(text=f"Article #{article.id} · {summary.length} summary")
    image = http_url(article.image)
    if settings.show_images and image:
        embed.set_thumbnail(url=image)
    return fit_embed(embed)


QUOTE_MAX = 1500


def quote_block(q: Quote, limit: int = QUOTE_MAX) -> str:
    """The quote as a block quote, then its speaker; a long quote is clipped, never its attribution."""
    speaker = f"— **{clip(escape(q.speaker), 200)}**" if q.speaker else "— *unattributed*"
    lines = [f"> {escape(line)}" for line in q.text.splitlines() if line.strip()] or ["> …"]
    body = clip("\n".join(lines), max(3, limit - len(speaker) - 1))
    return f"{body}\n{speaker}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def quotes_embed(article: Article, sel: QuoteSelection, settings: GuildSettings) -> discord.Embed:
    embed = _base(article, settings)
    if sel.quotes:
        blocks = [quote_block(q) for q in sel.quotes]
        text, shown = fill_lines(blocks, DESCRIPTION_MAX - 200, sep="\n\n")
        embed.description = text
        if sel.speaker:
            note = f"{_count(shown, 'quote')} by “{sel.speaker}”"
        else:
            note = (
                _count(shown, "quote") if shown == sel.total else f"{shown} of {_count(sel.total, 'quote')}"
            )
    elif sel.total == 0:
        embed.description = "No quotations found in this article."
        note = "no quotes"
    else:
        who = ", ".join(escape(s) for s in sel.speakers[:10]) or "nobody by name"
        embed.description = clip(
            f"No quotes by “{escape(sel.speaker)}” in this article. Quoted: {who}.", DESCRIPTION_MAX
        )
        note = f"0 of {_count(sel.total, 'quote')}"
    embed.set_footer(text=f"Article #{article.id} · {note}")
    return fit_embed(embed)


def listing_line(
    n: int,
    title: str,
    url: str | None,
    source: str | None,
    published: datetime | None,
    aid: int,
    limit: int = 600,
) -> str:
    """`n. [title](url)` over `source · date · #id`, at most `limit` characters: the source and then the
    title are shortened, and the link dropped when it leaves no room for a readable title."""
    shown_source = clip(escape(source), max(10, limit // 5)) if source else None
    tail = " · ".join(x for x in (shown_source, when(published), f"#{aid}") if x)
    room = limit - len(f"{n}. \n{tail}")
    link = link_target(url)
    head = ""
    if link and room - len(link) - 4 >= min(40, len(title) + 4):
        head = markdown.masked_link(title, url, room - len(link) - 6)
    if not head or len(head) > room:
        head = f"**{clip(link_text(title), max(4, room - 4))}**"
    return f"{n}. {head}\n{tail}"


def related_embed(
    article: Article, result: RelatedResult, settings: GuildSettings, urls: dict[int, str]
) -> discord.Embed:
    embed = discord.Embed(
        title=clip(f"Related to: {escape(article.title)}", TITLE_MAX), colour=settings.accent_colour
    )
    if result.items:
        lines = [
            listing_line(i, item.title, urls.get(item.id), item.source, item.published, item.id)
            + (f" · also covered by {len(item.also_covered_by)}" if item.also_covered_by else "")
            for i, item in enumerate(result.items, 1)
        ]
        embed.description, _ = fill_lines(lines, DESCRIPTION_MAX, sep="\n")
    else:
        embed.description = "No related articles in this server's library yet."
    embed.set_footer(text=f"Article #{article.id}")
    return fit_embed(embed)


def search_pages(
    query: str, hits: list[SearchHit], settings: GuildSettings, urls: dict[int, str]
) -> list[discord.Embed]:
    title = clip(f"Search: {escape(query)}", TITLE_MAX)
    if not hits:
        return [
            fit_embed(
                discord.Embed(title=title, description="No articles match.", colour=settings.accent_colour)
            )
        ]
    pages = []
    count = (len(hits) + HITS_PER_PAGE - 1) // HITS_PER_PAGE
    for p in range(count):
        embed = discord.Embed(title=title, colour=settings.accent_colour)
        chunk = hits[p * HITS_PER_PAGE : (p + 1) * HITS_PER_PAGE]
        for i, hit in enumerate(chunk, p * HITS_PER_PAGE + 1):
            meta = " · ".join(
                x
                for x in (escape(hit.source) if hit.source else None, when(hit.published), f"#{hit.id}")
                if x
            )
            link = link_target(urls.get(hit.id))
            snippet = escape(hit.snippet).replace(HL_OPEN, "**").replace(HL_CLOSE, "**")
            value = clip(snippet, 700) + f"\n{meta}" + (f" · [open](<{link}>)" if link else "")
            embed.add_field(name=clip(f"{i}. {escape(hit.title)}", FIELD_NAME_MAX), value=value, inline=False)
        embed.set_footer(text=f"Page {p + 1}/{count} · {len(hits)} results")
        pages.append(fit_embed(embed))
    return pages


def stats_embed(stats: StoreStats, settings: GuildSettings, guild_name: str | None) -> discord.Embed:
    embed = discord.Embed(
        title=clip(f"Library of {escape(guild_name or 'this server')}", TITLE_MAX),
        colour=settings.accent_colour,
    )
    embed.add_field(name="Articles", value=f"{stats.articles:,}")
    embed.add_field(name="Duplicates caught", value=f"{stats.duplicates_recorded:,}")
    embed.add_field(name="Stored here", value=f"{stats.size_bytes / 1e6:.1f} MB")
    if stats.by_origin:
        embed.add_field(
            name="By origin",
            value=", ".join(f"{k}: {v:,}" for k, v in sorted(stats.by_origin.items())),
            inline=False,
        )
    if stats.last_ingested:
        each = (FIELD_VALUE_MAX - len(stats.last_ingested)) // max(1, len(stats.last_ingested))
        lines = [
            listing_line(i, x.title, x.url, x.source, x.published, x.id, limit=each)
            for i, x in enumerate(stats.last_ingested, 1)
        ]
        embed.add_field(name="Last ingested", value=fill_lines(lines, FIELD_VALUE_MAX)[0], inline=False)
    return fit_embed(embed)


def settings_embed(settings: GuildSettings) -> discord.Embed:
    embed = discord.Embed(title="Display settings", colour=settings.accent_colour)
    embed.add_field(name="Default summary length", value=settings.summary_length)
    embed.add_field(name="Accent colour", value=colour_hex(settings.accent_colour))
    embed.add_field(name="Show images", value="yes" if settings.show_images else "no")
    return fit_embed(embed)


def notice(text: str) -> str:
    """Plain content for a message, inside the content limit."""
    return clip(text, CONTENT_MAX)


# --- sending -------------------------------------------------------------------------------------------------
@dataclass
class Reply:
    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    ephemeral: bool = False
    files: list[discord.File] = field(default_factory=list)


async def send_reply(
    interaction: discord.Interaction[Any], work: Awaitable[Reply], *, ephemeral: bool = False
) -> None:
    """Answer directly when `work` is quick; otherwise defer first (Discord's 3 s deadline) and follow up."""
    bot: NewsBot = interaction.client  # type: ignore[assignment]
    async with bot.tracked():
        task = asyncio.ensure_future(work)
        try:
            reply = await asyncio.wait_for(asyncio.shield(task), bot.settings.defer_after)
        except TimeoutError:
            await interaction.response.defer(thinking=True, ephemeral=ephemeral)
            try:
                reply = await task
            except Exception:
                if not ephemeral:  # the first followup would take the public "thinking" message's place:
                    with contextlib.suppress(discord.HTTPException):  # remove it, so the error stays private
                        await interaction.delete_original_response()
                raise
            kwargs: dict[str, Any] = {"embeds": reply.embeds[:EMBEDS_MAX], "ephemeral": ephemeral}
            if reply.view is not None:
                kwargs["view"] = reply.view
            if reply.files:
                kwargs["files"] = reply.files
            await interaction.followup.send(
                notice(reply.content) if reply.content else discord.utils.MISSING, **kwargs
            )
            return
        kwargs = {"embeds": reply.embeds[:EMBEDS_MAX], "ephemeral": reply.ephemeral or ephemeral}
        if reply.view is not None:
            kwargs["view"] = reply.view
        if reply.files:
            kwargs["files"] = reply.files
        await interaction.response.send_message(notice(reply.content) if reply.content else None, **kwargs)


# --- the pager ------------------------------------------------------------------------------------------------
class Pager(discord.ui.View):
    """Pages of embeds; only the person who asked can turn them; buttons go grey when it times out."""

    def __init__(
        self,
        pages: list[discord.Embed],
        owner_id: int,
        origin: discord.Interaction[Any],
        timeout: float,
        command: str = "search",
    ) -> None:
        super().__init__(timeout=timeout)
        self.command = command
        self.pages = pages
        self.owner_id = owner_id
        self.origin = origin
        self.index = 0
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1
        self.position.label = f"{self.index + 1}/{len(self.pages)}"

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            f"Only the person who ran this {self.command} can turn its pages; run `/{self.command}` yourself.",
            ephemeral=True,
        )
        return False

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary, custom_id="pager:previous")
    async def previous(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Pager]) -> None:
        self.index = max(0, self.index - 1)
        self._sync()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(
        label="1/1", style=discord.ButtonStyle.secondary, custom_id="pager:position", disabled=True
    )
    async def position(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Pager]) -> None:
        await interaction.response.defer()  # pragma: no cover - disabled

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary, custom_id="pager:next")
    async def next(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Pager]) -> None:
        self.index = min(len(self.pages) - 1, self.index + 1)
        self._sync()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        try:
            await self.origin.edit_original_response(view=self)
        except discord.HTTPException:
            pass  # the message was deleted or the token expired: nothing left to disable

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        from cogs.errors import report_error

        await report_error(interaction, error)


# --- /settings ------------------------------------------------------------------------------------------------
class NotManager(app_commands.CheckFailure):
    """The member lacks Manage Server and every admin role."""


def manager_only() -> Any:
    """Manage Server or an NEWSBOT_ADMIN_ROLES role, checked at run time (not only by default permissions)."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        if interaction.guild is None or not isinstance(interaction.user, discord.Member):
            raise app_commands.NoPrivateMessage()
        bot: NewsBot = interaction.client  # type: ignore[assignment]
        member = interaction.user
        roles = [r for r in member.roles if not r.is_default()]
        role_ids = [r.id for r in roles] or [int(r) for r in member._roles]
        allowed = may_manage(
            interaction.permissions.value,
            role_ids,
            [r.name for r in roles],
            bot.settings.admin_roles,
            is_owner=interaction.guild.owner_id == member.id,
        )
        if not allowed:
            raise NotManager()
        return True

    return app_commands.check(predicate)


class Formatting(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="settings", description="Show or change how newsbot answers in this server")
    @app_commands.describe(
        summary_length="Default length of /summary",
        accent_colour="Embed colour as six hex digits, e.g. #1f8b4c",
        show_images="Show article images in cards",
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @manager_only()
    async def settings(
        self,
        interaction: discord.Interaction[Any],
        summary_length: Literal["short", "medium", "long"] | None = None,
        accent_colour: str | None = None,
        show_images: bool | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        news = self.bot.news
        if summary_length is None and accent_colour is None and show_images is None:
            current = await news.guild_settings(interaction.guild_id)
            await interaction.response.send_message(embed=settings_embed(current), ephemeral=True)
            return
        colour = parse_colour(accent_colour) if accent_colour is not None else None
        updated = await news.update_guild_settings(
            interaction.guild_id, summary_length=summary_length, accent_colour=colour, show_images=show_images
        )
        await interaction.response.send_message(
            "Settings saved.", embed=settings_embed(updated), ephemeral=True
        )
        await audit(
            interaction,
            "settings.update",
            f"summary {updated.summary_length}, colour #{updated.accent_colour:06x}, "
            f"images {'on' if updated.show_images else 'off'}",
        )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Formatting(bot))
