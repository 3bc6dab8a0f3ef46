"""The emulator against a real, tiny discord.py bot running in-process."""

from __future__ import annotations

import asyncio
import io
import os
import sys
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from tests.emulator import DiscordEmulator, Guild
from tests.emulator.fixtures import discord_pointed_at, emulator  # noqa: F401

pytestmark = pytest.mark.timeout(60)
REPO = Path(__file__).resolve().parents[2]
ECHO = Path(__file__).read_bytes()


class Feedback(discord.ui.Modal, title="Feedback"):
    comment: discord.ui.TextInput[Feedback] = discord.ui.TextInput(label="Comment", custom_id="comment")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.comment.value}", ephemeral=True)


class VoteView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=30)

    @discord.ui.button(label="Up", custom_id="vote:up")
    async def up(self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]) -> None:
        await interaction.response.edit_message(content=f"voted by {interaction.user.name}", view=None)

    @discord.ui.button(label="Comment", custom_id="vote:comment")
    async def comment(self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]) -> None:
        await interaction.response.send_modal(Feedback())


TOPICS = ["climate", "elections", "economy", "energy"]


class TinyBot(commands.Bot):
    def __init__(self) -> None:
        super().__init__(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.received: list[str] = []

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py waits 5 s before re-identifying; nothing to protect here

    async def setup_hook(self) -> None:
        tree = self.tree

        @tree.command(name="hello", description="Say hello with an embed")
        async def hello(interaction: discord.Interaction, name: str) -> None:
            embed = discord.Embed(title=f"Hello {name}", description="from the tiny bot", colour=0x3366FF)
            embed.add_field(name="channel", value=str(interaction.channel_id))
            await interaction.response.send_message(embed=embed)

        @tree.command(name="slow", description="Defer, then follow up")
        async def slow(interaction: discord.Interaction, count: int = 1) -> None:
            await interaction.response.defer(thinking=True)
            await asyncio.sleep(0.05)
            for i in range(count):
                await interaction.followup.send(f"part {i + 1}")

        @tree.command(name="topic", description="Pick a topic")
        async def topic(interaction: discord.Interaction, name: str) -> None:
            await interaction.response.send_message(f"topic={name}", ephemeral=True)

        @topic.autocomplete("name")
        async def topic_auto(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=t, value=t) for t in TOPICS if t.startswith(current)]

        @tree.command(name="where", description="Guild or DM?")
        async def where(interaction: discord.Interaction) -> None:
            place = "guild" if interaction.guild_id else "dm"
            await interaction.response.send_message(f"{place}:{interaction.user.name}:{interaction.locale}")

        @tree.command(name="vote", description="A message with buttons")
        async def vote(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("vote please", view=VoteView())

        group = app_commands.Group(name="admin", description="Admin tools")

        @group.command(name="upload", description="Take a file")
        async def upload(
            interaction: discord.Interaction, file: discord.Attachment, note: str | None = None
        ) -> None:
            data = await file.read()
            await interaction.response.send_message(
                f"{file.filename}:{len(data)}:{data[:5].decode()}:{note}",
                file=discord.File(io.BytesIO(ECHO), "echo.py"),  # from bytes: no file left open
            )

        @group.command(name="post", description="Post to a channel")
        async def post(interaction: discord.Interaction, channel: discord.TextChannel) -> None:
            await interaction.response.defer(ephemeral=True)
            await channel.send("posted", nonce="n-1")
            await interaction.edit_original_response(content="done")

        tree.add_command(group)
        await tree.sync()


@pytest_asyncio.fixture
async def world(
    emulator: DiscordEmulator,  # noqa: F811
    discord_pointed_at: DiscordEmulator,  # noqa: F811
) -> AsyncIterator[tuple[DiscordEmulator, Guild, TinyBot]]:
    guild = emulator.create_guild("Newsroom")
    emulator.create_forum(guild, "articles", tags=("politics", "science"))
    bot = TinyBot()
    task = asyncio.create_task(bot.start(emulator.token))
    try:
        await emulator.wait_ready()
        await emulator.wait_commands()
        await asyncio.wait_for(bot.wait_until_ready(), 5)
        yield emulator, guild, bot
    finally:
        await bot.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_connect_ready_guild_create_and_sync(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, guild, bot = world
    assert bot.user is not None and bot.user.id == emu.bot_user.id
    dguild = bot.get_guild(guild.id)
    assert dguild is not None and dguild.name == "Newsroom"
    assert {c.name for c in dguild.channels} == {"general", "articles"}
    assert isinstance(
        dguild.get_channel(next(c.id for c in guild.channels.values() if c.name == "articles")),
        discord.ForumChannel,
    )
    assert dguild.me is not None and len(dguild.me.roles) == 2  # @everyone + the bot's managed role
    assert dguild.owner_id == guild.owner_id
    names = {c["name"] for c in emu.commands()}
    assert names == {"hello", "slow", "topic", "vote", "admin", "where"}
    conn = emu.connections[0]
    assert conn.compress == "zlib-stream" and conn.query["v"] == "10" and conn.kind == "identify"


async def test_slash_command_reply_with_embed(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, guild, _ = world
    alice = emu.create_user("alice")
    emu.add_member(guild, alice)
    inter = await emu.invoke("hello", {"name": "Alice"}, user=alice)
    cb = await emu.wait_response(inter)
    assert cb.type == 4
    assert cb.data is not None and cb.data["embeds"][0]["title"] == "Hello Alice"
    msg = await emu.wait_original(inter)
    assert msg["embeds"][0]["fields"][0]["value"] == str(inter.payload["channel_id"])
    assert msg["interaction_metadata"]["user"]["id"] == str(alice.id)
    assert msg in emu.messages(int(inter.payload["channel_id"]))


async def test_defer_then_followups(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, _, _ = world
    inter = await emu.invoke("slow", {"count": 2})
    cb = await emu.wait_response(inter)
    assert cb.type == 5
    first = await emu.wait_followup(inter, 0)
    second = await emu.wait_followup(inter, 1)
    assert first["id"] == str(inter.original_id)  # the first followup replaces the "thinking" message
    assert (first["content"], second["content"]) == ("part 1", "part 2")
    assert not first["flags"] & 128


async def test_autocomplete(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, _, _ = world
    inter = await emu.autocomplete("topic", {"name": "e"}, focused="name")
    cb = await emu.wait_response(inter)
    assert cb.type == 8 and cb.data is not None
    assert [c["value"] for c in cb.data["choices"]] == ["elections", "economy", "energy"]


async def test_button_edit_and_modal(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, guild, _ = world
    bob = emu.create_user("bob")
    emu.add_member(guild, bob)
    inter = await emu.invoke("vote")
    msg = await emu.wait_original(inter)
    assert msg["components"][0]["components"][0]["custom_id"] == "vote:up"

    opened = await emu.click(msg, "vote:comment", user=bob)
    modal = await emu.wait_response(opened)
    assert modal.type == 9 and modal.data is not None and modal.data["title"] == "Feedback"
    submitted = await emu.submit_modal(opened, {"comment": "nice"})
    answer = await emu.wait_response(submitted)
    assert answer.type == 4 and answer.message is not None
    assert answer.message["content"] == "thanks: nice" and answer.message["flags"] & 64

    click = await emu.click(msg, "vote:up", user=bob)
    cb = await emu.wait_response(click)
    assert cb.type == 7
    edited = emu.message(msg["id"])
    assert edited is not None and edited["content"] == "voted by bob" and edited["components"] == []


async def test_subcommand_with_attachment_and_upload(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, _, _ = world
    att = emu.add_attachment(b"hello world", "notes.txt", "text/plain")
    inter = await emu.invoke("admin upload", {"file": att, "note": "n"})
    cb = await emu.wait_response(inter)
    assert cb.message is not None and cb.message["content"] == "notes.txt:11:hello:n"
    uploaded = cb.message["attachments"][0]
    assert uploaded["filename"] == "echo.py"
    async with aiohttp.ClientSession() as http, http.get(uploaded["url"]) as resp:
        assert b"TinyBot" in await resp.read()


async def test_channel_send_and_nonce(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, guild, bot = world
    general = next(c for c in guild.channels.values() if c.name == "general")
    inter = await emu.invoke("admin post", {"channel": general})
    done = await emu.wait_original(inter)
    assert done["content"] == "done"
    posted = [m for m in emu.messages(general) if m["content"] == "posted"]
    assert len(posted) == 1
    # The same nonce with enforce_nonce returns the first message instead of creating another.
    channel = bot.get_channel(general.id)
    assert isinstance(channel, discord.TextChannel)
    body: dict[str, Any] = {"content": "once", "nonce": "abc", "enforce_nonce": True}
    first = await bot.http.request(
        discord.http.Route("POST", "/channels/{c}/messages", c=general.id), json=body
    )
    again = await bot.http.request(
        discord.http.Route("POST", "/channels/{c}/messages", c=general.id), json=body
    )
    assert first["id"] == again["id"]
    assert len([m for m in emu.messages(general) if m["content"] == "once"]) == 1


async def test_threads_and_forum_posts(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, guild, bot = world
    forum_state = next(c for c in guild.channels.values() if c.name == "articles")
    forum = bot.get_channel(forum_state.id)
    assert isinstance(forum, discord.ForumChannel)
    tag = forum.available_tags[0]
    created = await forum.create_thread(name="A story", content="body", applied_tags=[tag])
    assert created.thread.parent_id == forum.id and created.message.id == created.thread.id
    assert emu.messages(created.thread.id)[0]["content"] == "body"
    general = bot.get_channel(next(c.id for c in guild.channels.values() if c.name == "general"))
    assert isinstance(general, discord.TextChannel)
    msg = await general.send("start")
    thread = await msg.create_thread(name="discussion")
    assert thread.id == msg.id
    await thread.send("in thread")
    assert emu.messages(thread.id)[0]["content"] == "in thread"


async def test_schema_violation_is_recorded(emulator: DiscordEmulator) -> None:  # noqa: F811
    guild = emulator.create_guild()
    channel = next(iter(guild.channels.values()))
    headers = {"Authorization": f"Bot {emulator.token}"}
    async with aiohttp.ClientSession() as http:
        url = f"{emulator.api_base}/channels/{channel.id}/messages"
        async with http.post(url, json={"content": 5, "embedz": []}, headers=headers) as resp:
            assert resp.status == 400
            assert resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["code"] == 50035
        async with http.get(f"{emulator.api_base}/nowhere/at/all", headers=headers) as resp:
            assert resp.status == 404 and await resp.json() == {"message": "404: Not Found", "code": 0}
    found = emulator.take_violations()
    kinds = sorted(v.kind for v in found)
    assert kinds == ["schema", "schema", "unknown_route"]
    assert any("embedz" in v.message for v in found) and any("content" in v.message for v in found)
    assert emulator.messages(channel) == []


async def test_tolerated_fields_only(emulator: DiscordEmulator) -> None:  # noqa: F811
    v = emulator.validator
    assert (
        v.validate("POST", "/channels/1/messages", {"embeds": [{"title": "t", "flags": 0}], "tts": False})
        == []
    )
    assert v.validate("POST", "/channels/1/messages", {"embeds": [{"title": "t", "nsfw": True}]})


async def test_ratelimit_429_is_retried(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, guild, bot = world
    general = bot.get_channel(next(c.id for c in guild.channels.values() if c.name == "general"))
    assert isinstance(general, discord.TextChannel)
    emu.ratelimit("POST /channels/{channel_id}/messages", every_n=1, limit=2, retry_after=0.05)
    msg = await general.send("after retries")
    sends = emu.requests_to("POST", "/channels/{id}/messages")
    assert [r.status for r in sends] == [429, 429, 200]
    assert [m["content"] for m in emu.messages(general)] == ["after retries"]
    assert msg.content == "after retries"


async def test_reconnect_resumes(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, _, bot = world
    await emu.reconnect()
    await emu.wait_until(lambda: emu.resumes == 1 and emu.connected, 10, "resume")
    assert emu.connections[-1].kind == "resume" and emu.connections[-1].path == "/resume/"
    inter = await emu.invoke("hello", {"name": "again"})
    cb = await emu.wait_response(inter)
    assert cb.type == 4


async def test_raw_gateway_zlib_stream(emulator: DiscordEmulator) -> None:  # noqa: F811
    emulator.create_guild("G1")
    emulator.create_guild("G2")
    inflate = zlib.decompressobj()
    events: list[dict[str, Any]] = []
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(emulator.gateway_url + "?v=10&encoding=json&compress=zlib-stream") as ws:
            hello = await ws.receive_bytes()
            assert hello.endswith(b"\x00\x00\xff\xff")
            assert b'"op":10' in inflate.decompress(hello)
            await ws.send_json({"op": 2, "d": {"token": emulator.token, "intents": 513, "properties": {}}})
            while len(events) < 3:
                frame = await ws.receive_bytes()
                import json

                events.append(json.loads(inflate.decompress(frame)))
            await ws.send_json({"op": 1, "d": 3})
            ack = json.loads(inflate.decompress(await ws.receive_bytes()))
    assert [e["t"] for e in events] == ["READY", "GUILD_CREATE", "GUILD_CREATE"]
    assert [e["s"] for e in events] == [1, 2, 3]
    ready = events[0]["d"]
    assert ready["application"]["id"] == str(emulator.application_id)
    assert all(g["unavailable"] for g in ready["guilds"])
    assert ack["op"] == 11


async def test_bad_token_is_refused(emulator: DiscordEmulator) -> None:  # noqa: F811
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emulator.api_base}/users/@me", headers={"Authorization": "Bot wrong"}) as resp:
            assert resp.status == 401
        async with http.ws_connect(emulator.gateway_url + "?v=10&encoding=json") as ws:
            assert (await ws.receive_json())["op"] == 10
            await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 0, "properties": {}}})
            msg = await ws.receive()
            assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 4004


async def test_protocol_mistakes_are_recorded(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, _, bot = world
    inter = await emu.invoke("hello", {"name": "x"})
    await emu.wait_response(inter)
    # Answering a second time is what Discord refuses with 40060.
    with pytest.raises(discord.HTTPException) as err:
        await bot.http.request(
            discord.http.Route("POST", "/interactions/{i}/{t}/callback", i=inter.id, t=inter.token),
            json={"type": 4, "data": {"content": "again"}},
        )
    assert err.value.code == 40060
    # A first answer after the 3 s window: "Unknown interaction".
    emu.interaction_deadline = 0.0
    late = await emu.invoke("hello", {"name": "late"})
    await emu.wait_until(lambda: any(v.kind == "protocol" and "after" in v.message for v in emu.violations))
    assert late.callback is None
    kinds = [v.message for v in emu.take_violations()]
    assert any("answered twice" in m for m in kinds) and any("first response after" in m for m in kinds)


async def test_ephemeral_defer_then_edit_original(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, guild, _ = world
    general = next(c for c in guild.channels.values() if c.name == "general")
    inter = await emu.invoke("admin post", {"channel": general})
    cb = await emu.wait_response(inter)
    assert cb.type == 5 and cb.message is not None and cb.message["flags"] & (64 | 128) == 64 | 128
    final = await emu.wait_original(inter)
    assert final["content"] == "done" and final["flags"] & 64 and not final["flags"] & 128
    patches = emu.requests_to("PATCH", "/webhooks/{app}/{token}/messages/@original")
    assert len(patches) == 1 and patches[0].json["content"] == "done"


async def test_drop_connection_resumes_and_replays(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, guild, bot = world
    await emu.drop_connections(4000)
    # Created while the bot is away: must reach it through RESUME's replay.
    channel = emu.create_channel(guild, "late-news")
    await emu.wait_until(lambda: emu.resumes == 1 and emu.connected, 10, "resume")
    await emu.wait_until(lambda: bot.get_channel(channel.id), 5, "replayed CHANNEL_CREATE")


async def test_invalid_session_reidentifies(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, _, _ = world
    await emu.invalidate_sessions()
    await emu.wait_until(
        lambda: sum(c.kind == "identify" for c in emu.connections) == 2 and emu.connected, 15, "re-identify"
    )
    inter = await emu.invoke("hello", {"name": "back"})
    assert (await emu.wait_response(inter)).type == 4


async def test_unknown_command_option_is_a_test_error(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, _, _ = world
    from tests.emulator import OptionError

    with pytest.raises(OptionError):
        await emu.invoke("hello", {"nmae": "typo"})
    with pytest.raises(OptionError):
        await emu.invoke("nosuch")


async def test_unsupported_compression_is_refused(emulator: DiscordEmulator) -> None:  # noqa: F811
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(emulator.gateway_url + "?v=10&encoding=json&compress=brotli") as ws:
            msg = await ws.receive()
            assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 4000


def test_endpoint_overrides_patch_and_leave_alone() -> None:
    import discord.gateway
    import discord.http
    import yarl

    from bot.discord_endpoints import apply_endpoint_overrides
    from bot.errors import ConfigError

    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    try:
        apply_endpoint_overrides(None, None)
        assert (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == saved
        apply_endpoint_overrides("http://127.0.0.1:9/api/v10/", "ws://127.0.0.1:9")
        assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:9/api/v10/users/@me"
        assert discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY == yarl.URL("ws://127.0.0.1:9/")
        with pytest.raises(ConfigError):
            apply_endpoint_overrides("127.0.0.1:9", None)
        with pytest.raises(ConfigError):
            apply_endpoint_overrides(None, "http://127.0.0.1:9/")
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


async def test_dm_interaction_and_locale(world: tuple[DiscordEmulator, Guild, TinyBot]) -> None:
    emu, _, _ = world
    carol = emu.create_user("carol")
    inter = await emu.invoke("where", channel=emu.dm_channel(carol), user=carol, locale="fr")
    cb = await emu.wait_response(inter)
    assert cb.data is not None and cb.data["content"] == "dm:carol:fr"
    assert "member" not in inter.payload and inter.payload["context"] == 1


async def test_bot_in_a_subprocess_via_env(emulator: DiscordEmulator) -> None:  # noqa: F811
    emulator.create_guild()
    repo = REPO
    env = os.environ | emulator.env() | {"PYTHONPATH": str(repo)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.emulator.subprocess_bot", env=env, cwd=repo
    )
    try:
        await emulator.wait_ready(timeout=30)
        await emulator.wait_commands(timeout=30)
        inter = await emulator.invoke("ping")
        cb = await emulator.wait_response(inter)
        assert cb.data is not None and cb.data["content"] == "pong"
    finally:
        proc.terminate()
        await proc.wait()
