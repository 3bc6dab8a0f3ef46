"""`newsbot panel` on its own: the same store, Discord's REST API with the bot token for what the bot
sees, OAuth2 login; manage rights from a fresh REST member fetch."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import aiohttp

from bot.services import MANAGE_GUILD
from bot.store import Scope, create_store
from tests.conftest import REPO
from tests.emulator import DiscordEmulator
from tests.emulator.oauth import oauth_env
from tests.panel.conftest import csrf_of, free_port


async def test_panel_alone_over_rest(emulator: DiscordEmulator, tmp_path: Path) -> None:
    emu = emulator
    admin, member = emu.create_user("ada"), emu.create_user("max")
    guild = emu.create_guild("Newsroom")
    emu.add_member(guild, admin, [emu.create_role(guild, "Editors", permissions=MANAGE_GUILD)])
    emu.add_member(guild, member)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    env |= emu.env() | oauth_env(emu)
    env |= {
        "NEWSBOT_PANEL_URL": base,
        "NEWSBOT_PANEL_BIND": f"127.0.0.1:{port}",
        "NEWSBOT_DB": str(tmp_path / "p.db"),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "panel", env=env, cwd=REPO, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stderr is not None
    try:
        while b"serving" not in (line := await asyncio.wait_for(proc.stderr.readline(), 60)):
            assert line, "newsbot panel ended early"
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            emu.oauth.login_as(admin)  # type: ignore[attr-defined]
            async with http.get(base + "/auth/login") as resp:
                assert resp.status == 200 and "Newsroom" in await resp.text()
            async with http.get(base + f"/s/{guild.id}/ingest") as resp:
                csrf = csrf_of(await resp.text())
            body = "The harbour authority approved the new terminal on Tuesday after a long debate. " * 5
            form = {"csrf": csrf, "kind": "text", "title": "Terminal approved", "body": body}
            async with http.post(base + f"/s/{guild.id}/ingest", data=form, headers={"Origin": base}) as resp:
                assert resp.status == 200 and "1 stored of 1" in await resp.text()
            guild.members[admin.id].roles.clear()  # rights gone: the next write is refused
            async with http.post(base + f"/s/{guild.id}/ingest", data=form, headers={"Origin": base}) as resp:
                assert resp.status == 403
        assert any(r.path == f"/guilds/{guild.id}/members/{admin.id}" for r in emu.requests)
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 30)
    store = create_store(tmp_path / "p.db")
    async with store:
        assert [a.title for a in await store.list_articles(Scope.guild(guild.id))] == ["Terminal approved"]
        [entry] = await store.list_audit(guild.id)
        assert entry.action == "ingest.text" and entry.via == "panel" and entry.actor == f"discord:{admin.id}"
