"""The bot's wiring and the operator path: `newsbot run` guidance, connect/sync/answer, clean SIGTERM,
background services, guild sync, settings persisted; plus the plain-data helpers the cogs rely on."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import discord
import pytest

from bot.client import NewsBot
from bot.config import Settings
from bot.errors import ArticleNotFound, FetchTimeout, InvalidQuery
from bot.guild_settings import GuildSettings, parse_colour, parse_summary_length
from bot.services import MANAGE_GUILD, may_manage
from bot.store import create_store
from tests.emulator import DiscordEmulator

REPO = Path(__file__).resolve().parent.parent
NEWSBOT = REPO / ".venv" / "bin" / "newsbot"


async def test_run_without_token_prints_guidance_then_serves_the_local_panel(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "NEWSBOT_"))}
    env["NEWSBOT_PANEL_BIND"] = "127.0.0.1:0"
    proc = await asyncio.create_subprocess_exec(
        str(NEWSBOT),
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        err = (await asyncio.wait_for(proc.stderr.readline(), 60)).decode().strip()
        first = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
        link = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode().strip()
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
    assert proc.returncode == 0
    assert "DISCORD_TOKEN" in err and "bot applications.commands" in err  # the guidance, one paragraph
    assert "permissions=" in err and "Embed Links" in err
    granted = discord.Permissions(int(re.search(r"permissions=(\d+)", err).group(1)))  # type: ignore[union-attr]
    # what the bot does: read and answer in channels, post embeds, start digest threads, post in them
    assert granted.view_channel and granted.send_messages and granted.embed_links
    assert granted.create_public_threads and granted.send_messages_in_threads
    assert not (granted.administrator or granted.mention_everyone or granted.manage_messages)
    assert "local mode" in first
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/auth/local\?token=[\w-]{20,}", link)


async def test_run_connects_syncs_answers_and_stops_on_sigterm(
    emulator: DiscordEmulator, tmp_path: Path
) -> None:
    guild = emulator.create_guild("Ops")
    env = (
        os.environ
        | emulator.env()
        | {"NEWSBOT_DB": str(tmp_path / "n.db"), "NEWSBOT_SYNC_GUILD": str(guild.id)}
    )
    proc = await asyncio.create_subprocess_exec(
        str(NEWSBOT), "run", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    try:
        await emulator.wait_ready(timeout=60)
        cmds = await emulator.wait_commands(timeout=60, guild=guild)  # synced to the guild, not globally
        assert "summary" in {c["name"] for c in cmds} and not emulator.commands()
        inter = await emulator.invoke("summary", {"article": "anything"}, guild=guild)
        cb = await emulator.wait_response(inter)
        assert cb.data is not None and cb.data["flags"] & 64 and "can't find" in cb.data["content"]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert b"closed" in err
    # The store was closed cleanly: the database opens and holds the schema.
    store = create_store(tmp_path / "n.db")
    await store.open()
    await store.close()


async def test_bot_in_process_background_services_and_settings(
    discord_pointed_at: DiscordEmulator, tmp_path: Path
) -> None:
    emu = discord_pointed_at
    guild = emu.create_guild("In process")
    settings = Settings(token=emu.token, db_path=str(tmp_path / "b.db"))
    bot = NewsBot(settings, cogs=("cogs.errors", "cogs.formatting", "cogs.search", "cogs.not_there"))
    ran = asyncio.Event()
    stopped = asyncio.Event()

    async def service() -> None:
        ran.set()
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    await bot.login(emu.token)
    runner = asyncio.create_task(bot.connect())
    try:
        await emu.wait_ready(timeout=30)
        names = {c["name"] for c in await emu.wait_commands(timeout=30)}
        assert "summary" in names and "ingest" not in names  # list-driven; a missing module is skipped
        bot.start_background("ticker", service)
        await asyncio.wait_for(ran.wait(), 5)
        await bot.news.update_guild_settings(guild.id, summary_length="long", accent_colour=0x123456)
    finally:
        await bot.close()
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    assert stopped.is_set() and bot.closing
    store = create_store(tmp_path / "b.db")
    await store.open()
    try:
        assert await store.get_guild_settings(guild.id) == GuildSettings("long", 0x123456, True)
        assert await store.get_guild_settings(guild.id + 1) is None
    finally:
        await store.close()


def test_intents_are_not_privileged() -> None:
    bot = NewsBot(Settings(token="x"))
    assert not bot.intents.members and not bot.intents.presences and not bot.intents.message_content
    assert bot.allowed_mentions is not None and bot.allowed_mentions.to_dict() == {"parse": []}


def test_may_manage() -> None:
    assert may_manage(MANAGE_GUILD, [], [], ())
    assert may_manage(1 << 3, [], [], ())  # Administrator
    assert not may_manage(0, [5], ["Members"], ())
    assert may_manage(0, [5], ["editors"], ("Editors",))
    assert may_manage(0, [42], ["Staff"], ("42",))
    assert not may_manage(0, [43], ["Staff"], ("42", "Editors"))
    assert may_manage(0, [], [], (), is_owner=True)


def test_settings_parsing() -> None:
    assert parse_colour("#1F8B4C") == 0x1F8B4C and parse_colour("00ff00") == 0x00FF00
    with pytest.raises(InvalidQuery):
        parse_colour("red")
    assert parse_summary_length(" Long ") == "long"
    with pytest.raises(InvalidQuery):
        parse_summary_length("huge")


def test_error_messages() -> None:
    from discord import app_commands

    from cogs.errors import describe
    from cogs.formatting import NotManager

    assert "can't find an article matching “\\*x\\*”" in describe(ArticleNotFound("*x*"))[0]
    assert describe(NotManager())[0].startswith("You need the **Manage Server**")
    text, bug = describe(FetchTimeout("timed out after 15 s"))
    assert "couldn't fetch" in text and not bug
    assert describe(app_commands.NoPrivateMessage())[1] is False
    assert describe(RuntimeError("boom")) == ("", True)


def test_fit_embed_and_escape() -> None:
    from cogs.formatting import clip, escape, fit_embed

    embed = discord.Embed(title="t" * 400, description="d" * 5000)
    for _ in range(30):
        embed.add_field(name="n" * 300, value="v" * 2000)
    fit_embed(embed)
    assert len(embed.title or "") <= 256 and len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25 and len(embed) <= 6000
    assert all(len(f.value or "") <= 1024 and len(f.name or "") <= 256 for f in embed.fields)
    assert not clip("a\\" * 100, 51).endswith("\\…")
    assert escape("> quote\n- item\n1. one\n# head") == "\\> quote\n\\- item\n1\\. one\n\\# head"
    assert "\\@\u200beveryone" in escape("@everyone") and "\\<#" in escape("<#123>")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
