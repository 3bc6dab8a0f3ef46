"""/brief: the story so far for a search — timeline, key points, voices — paged, with the coverage chart.
Thin: the briefing is built in bot.briefing; this only turns its pages into embeds."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.briefing import build_briefing, render_png
from bot.briefing.render import discord_pages
from bot.errors import InvalidQuery
from bot.search.dates import parse_when
from cogs.formatting import Pager, Reply, clip, fit_embed, send_reply
from cogs.search import scope_of

if TYPE_CHECKING:
    from datetime import date

    from bot.client import NewsBot

CHART_NAME = "coverage.png"


def _day(value: str | None, what: str) -> date | None:
    if value is None:
        return None
    try:
        return parse_when(value).date()
    except InvalidQuery as exc:
        raise InvalidQuery(f"{what}: {exc}") from exc


class Brief(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="brief", description="The story so far: timeline, key points, who said what")
    @app_commands.describe(
        query='Words to find; "quoted phrase", -exclude, prefix*, a OR b',
        since="From this day: 2024-05-01, 7d, 2w, 1m",
        until="Up to this day (inclusive): 2024-06-01, 1d",
    )
    async def brief(
        self,
        interaction: discord.Interaction[Any],
        query: app_commands.Range[str, 1, 300],
        since: app_commands.Range[str, 1, 40] | None = None,
        until: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        async def work() -> Reply:
            start, end = _day(since, "since"), _day(until, "until")
            news = self.bot.news
            briefing = await build_briefing(news.store, query, scope_of(interaction), since=start, until=end)
            settings = await news.guild_settings(interaction.guild_id)
            pages = discord_pages(briefing)
            files: list[discord.File] = []
            if briefing.coverage is not None:
                png = await asyncio.to_thread(render_png, briefing.coverage, f"Coverage: {query}")
                files.append(discord.File(io.BytesIO(png), filename=CHART_NAME))
            sources = ", ".join(f"{s} {n}" for s, n in list(briefing.sources.items())[:8])
            embeds = []
            for i, page in enumerate(pages):
                embed = discord.Embed(
                    title=clip(f"{page.title} — {query}", 256),
                    description=page.body,
                    colour=settings.accent_colour,
                )
                embed.set_footer(
                    text=clip(
                        f"{briefing.articles} articles · page {i + 1}/{len(pages)} · sources used: {sources}",
                        2048,
                    )
                )
                if files:
                    embed.set_image(url=f"attachment://{CHART_NAME}")
                embeds.append(fit_embed(embed))
            view = (
                Pager(
                    embeds, interaction.user.id, interaction, timeout=self.bot.page_timeout, command="brief"
                )
                if len(embeds) > 1
                else None
            )
            return Reply(embeds=embeds[:1], view=view, files=files)

        await send_reply(interaction, work())


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Brief(bot))
