"""Admin commands: /ingest url|file|text and /stats (Manage Server or an admin role, checked at run time).
Feeds (`/feed ...`) are added here by the feeds work. Slow work defers first and answers by followup."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.ingest.netguard import validate_url
from bot.ingest.pipeline import IngestResult
from bot.services import IngestOutcome, check_upload
from bot.store import Scope
from cogs.formatting import (
    DESCRIPTION_MAX,
    clip,
    escape,
    fill_lines,
    fit_embed,
    manager_only,
    stats_embed,
)

if TYPE_CHECKING:
    from bot.client import NewsBot

STATUS_WORDS = {"created": "Stored", "updated": "Updated", "duplicate": "Already stored", "failed": "Failed"}


def who(interaction: discord.Interaction[Any]) -> str:
    return f"discord:{interaction.user.id}"


def outcome_embed(outcome: IngestOutcome, colour: int) -> discord.Embed:
    """One line per item: what was stored, what was a duplicate, what failed and why."""
    results = outcome.results
    created, failed = len(outcome.created), len(outcome.failed)
    title = (
        f"Ingested {created} of {len(results)}" if len(results) > 1 else STATUS_WORDS[results[0].status]
        if results else "Nothing to ingest"
    )
    embed = discord.Embed(title=title, colour=colour if not failed or created else 0xC53030)
    embed.description = fill_lines([_line(r) for r in results], DESCRIPTION_MAX)[0] or "The input held no articles."
    return fit_embed(embed)


def _line(r: IngestResult) -> str:
    if r.status == "failed":
        return f"✗ {escape(clip(r.source, 80))}: {escape(r.error or 'failed')}"
    name = escape(clip(r.title or r.source, 150))
    if r.status == "duplicate":
        return f"= {name} — already stored as #{r.duplicate_of or r.id}"
    return f"✓ #{r.id} {name}" + (" (updated)" if r.status == "updated" else "")


class IngestTextModal(discord.ui.Modal, title="Add an article"):
    headline: discord.ui.TextInput[IngestTextModal] = discord.ui.TextInput(
        label="Title", required=False, max_length=300, custom_id="ingest:title"
    )
    body: discord.ui.TextInput[IngestTextModal] = discord.ui.TextInput(
        label="Article text",
        style=discord.TextStyle.paragraph,
        min_length=20,
        max_length=4000,
        custom_id="ingest:body",
        placeholder="Paste the article (or the whole page; menus and footers are removed)",
    )

    def __init__(self, bot: NewsBot) -> None:
        super().__init__(timeout=900)
        self.bot = bot

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        async with self.bot.tracked():
            await interaction.response.defer(thinking=True, ephemeral=True)
            news = self.bot.news
            outcome = await news.ingest_text(self.headline.value, self.body.value, interaction.guild_id, who(interaction))
            settings = await news.guild_settings(interaction.guild_id)
            await interaction.followup.send(embed=outcome_embed(outcome, settings.accent_colour), ephemeral=True)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception) -> None:  # type: ignore[override]
        from cogs.errors import report_error

        await report_error(interaction, error)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class IngestGroup(app_commands.Group):
    pass


class Ingestion(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    ingest = IngestGroup(name="ingest", description="Add articles to this server's library")

    async def _finish(self, interaction: discord.Interaction[Any], outcome: IngestOutcome) -> None:
        settings = await self.bot.news.guild_settings(interaction.guild_id)
        await interaction.followup.send(embed=outcome_embed(outcome, settings.accent_colour), ephemeral=True)

    @ingest.command(name="url", description="Fetch a web page and store its article")
    @app_commands.describe(url="The article's address (http or https)")
    @manager_only()
    async def ingest_url(self, interaction: discord.Interaction[Any], url: app_commands.Range[str, 1, 2000]) -> None:
        assert interaction.guild_id is not None
        clean = validate_url(url)  # an obviously bad URL is answered at once, before deferring
        async with self.bot.tracked():
            await interaction.response.defer(thinking=True, ephemeral=True)
            outcome = await self.bot.news.ingest_url(clean, interaction.guild_id, who(interaction))
            await self._finish(interaction, outcome)

    @ingest.command(name="file", description="Store articles from an HTML, text, Markdown or JSONL file")
    @app_commands.describe(file="An .html, .txt, .md or .jsonl file (optionally .gz)")
    @manager_only()
    async def ingest_file(self, interaction: discord.Interaction[Any], file: discord.Attachment) -> None:
        assert interaction.guild_id is not None
        check_upload(file.filename, file.size)
        async with self.bot.tracked():
            await interaction.response.defer(thinking=True, ephemeral=True)
            data = await file.read()
            outcome = await self.bot.news.ingest_upload(file.filename, data, interaction.guild_id, who(interaction))
            await self._finish(interaction, outcome)

    @ingest.command(name="text", description="Paste an article's text")
    @manager_only()
    async def ingest_text(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(IngestTextModal(self.bot))

    @app_commands.command(name="stats", description="What this server's library holds")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @manager_only()
    async def stats(self, interaction: discord.Interaction[Any]) -> None:
        news = self.bot.news
        stats = await news.stats(Scope.guild(interaction.guild_id))
        settings = await news.guild_settings(interaction.guild_id)
        name = interaction.guild.name if interaction.guild else None
        await interaction.response.send_message(embed=stats_embed(stats, settings, name), ephemeral=True)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Ingestion(bot))
