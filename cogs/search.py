"""Reading commands: /summary, /quotes, /related, /search, /article show|delete. Thin: look up through
`bot.news`, render through cogs.formatting."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import ArticleNotFound
from bot.store import Scope
from cogs.audit import audit
from cogs.formatting import (
    CHOICE_NAME_MAX,
    HL_CLOSE,
    HL_OPEN,
    Pager,
    Reply,
    article_card,
    manager_only,
    plain_clip,
    quotes_embed,
    related_embed,
    search_pages,
    send_reply,
    summary_embed,
)

if TYPE_CHECKING:
    from bot.client import NewsBot

ARTICLE_HELP = "Start typing a title, or give an id or URL"


def scope_of(interaction: discord.Interaction[Any]) -> Scope:
    """A server sees its own articles and the global library; a DM sees the global library."""
    return Scope.guild(interaction.guild_id)


async def article_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    bot: NewsBot = interaction.client  # type: ignore[assignment]
    listings = await bot.news.titles(current, scope_of(interaction), limit=25)
    return [
        app_commands.Choice(name=plain_clip(f"{x.title} (#{x.id})", CHOICE_NAME_MAX), value=str(x.id))
        for x in listings
    ]


class Reading(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="summary", description="Summarise an article")
    @app_commands.describe(
        article=ARTICLE_HELP, length="short, medium or long (default: the server's setting)"
    )
    @app_commands.autocomplete(article=article_autocomplete)
    async def summary(
        self,
        interaction: discord.Interaction[Any],
        article: str,
        length: Literal["short", "medium", "long"] | None = None,
    ) -> None:
        async def work() -> Reply:
            news = self.bot.news
            found = await news.resolve(article, scope_of(interaction))
            settings = await news.guild_settings(interaction.guild_id)
            result = await news.summary(found, length or settings.summary_length)
            return Reply(embeds=[summary_embed(found, result, settings)])

        await send_reply(interaction, work())

    @app_commands.command(name="quotes", description="Key quotes from an article, with who said them")
    @app_commands.describe(
        article=ARTICLE_HELP, speaker="Only quotes by this person (part of the name is enough)"
    )
    @app_commands.autocomplete(article=article_autocomplete)
    async def quotes(
        self,
        interaction: discord.Interaction[Any],
        article: str,
        speaker: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        async def work() -> Reply:
            news = self.bot.news
            found = await news.resolve(article, scope_of(interaction))
            settings = await news.guild_settings(interaction.guild_id)
            selection = await news.quotes(found, speaker, limit=10)
            return Reply(embeds=[quotes_embed(found, selection, settings)])

        await send_reply(interaction, work())

    @app_commands.command(name="related", description="Articles related to an article")
    @app_commands.describe(article=ARTICLE_HELP, count="How many (1-10, default 5)")
    @app_commands.autocomplete(article=article_autocomplete)
    async def related(
        self,
        interaction: discord.Interaction[Any],
        article: str,
        count: app_commands.Range[int, 1, 10] = 5,
    ) -> None:
        async def work() -> Reply:
            news = self.bot.news
            scope = scope_of(interaction)
            found = await news.resolve(article, scope)
            settings = await news.guild_settings(interaction.guild_id)
            result = await news.related(found, scope, count)
            urls = {
                a.id: a.url
                for a in await news.store.get_articles([i.id for i in result.items], scope)
                if a.url
            }
            return Reply(embeds=[related_embed(found, result, settings, urls)])

        await send_reply(interaction, work())

    @app_commands.command(name="search", description="Search the stored articles")
    @app_commands.describe(
        query='Words to find; "quoted phrase", -exclude, prefix*, a OR b',
        source="Only this outlet (e.g. BBC News)",
        since="Published on or after: 2024-05-01, yesterday, 7d, last week",
    )
    async def search(
        self,
        interaction: discord.Interaction[Any],
        query: app_commands.Range[str, 1, 300],
        source: app_commands.Range[str, 1, 100] | None = None,
        since: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        async def work() -> Reply:
            news = self.bot.news
            scope = scope_of(interaction)
            hits = await news.search(query, scope, source=source, since=since, marker=(HL_OPEN, HL_CLOSE))
            settings = await news.guild_settings(interaction.guild_id)
            urls = {a.id: a.url for a in await news.store.get_articles([h.id for h in hits], scope) if a.url}
            pages = search_pages(query, hits, settings, urls)
            if len(pages) == 1:
                return Reply(embeds=pages)
            view = Pager(pages, interaction.user.id, interaction, timeout=self.bot.page_timeout)
            return Reply(embeds=[pages[0]], view=view)

        await send_reply(interaction, work())

    article = app_commands.Group(name="article", description="One stored article")

    @article.command(name="show", description="An article's card: title, source, authors, date, section")
    @app_commands.describe(article=ARTICLE_HELP)
    @app_commands.autocomplete(article=article_autocomplete)
    async def article_show(self, interaction: discord.Interaction[Any], article: str) -> None:
        async def work() -> Reply:
            news = self.bot.news
            found = await news.resolve(article, scope_of(interaction))
            settings = await news.guild_settings(interaction.guild_id)
            return Reply(embeds=[article_card(found, settings)])

        await send_reply(interaction, work())

    @article.command(name="delete", description="Delete an article this server ingested (Manage Server)")
    @app_commands.describe(article=ARTICLE_HELP)
    @app_commands.autocomplete(article=article_autocomplete)
    @manager_only()
    async def article_delete(self, interaction: discord.Interaction[Any], article: str) -> None:
        assert interaction.guild_id is not None
        news = self.bot.news
        found = await news.resolve(article, scope_of(interaction))
        if found.guild_id is None:
            await interaction.response.send_message(
                f"Article #{found.id} is in the operator's global library; only the operator can delete it.",
                ephemeral=True,
            )
            return
        if not await news.delete(found.id, interaction.guild_id):
            raise ArticleNotFound(article)
        await interaction.response.send_message(f"Deleted article #{found.id}.", ephemeral=True)
        await audit(interaction, "article.delete", f"#{found.id} {found.title}")


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Reading(bot))
