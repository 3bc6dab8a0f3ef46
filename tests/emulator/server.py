"""The emulator itself: one aiohttp app on 127.0.0.1 serving the gateway, REST and attachments,
plus the injection and inspection API tests use."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import BodyPartReader, web
from multidict import CIMultiDictProxy

from . import oauth
from .faults import Faults
from .gateway import ConnectionRecord, GatewayConnection, Session, compression_supported
from .http_util import (
    ApiError,
    RecordedRequest,
    UploadedFile,
    Violation,
    error_response,
    json_response,
    ratelimit_headers,
    too_many_requests,
)
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    Callback,
    Interaction,
    OptionError,
    build_command_data,
    envelope,
    modal_submit_components,
)
from .rest import ApiRequest, RestApi, find_route
from .schema import SpecValidator, shared_validator
from .state import (
    DEFAULT_EVERYONE_PERMISSIONS,
    DM,
    GUILD_FORUM,
    GUILD_TEXT,
    Attachment,
    Channel,
    Guild,
    Member,
    Role,
    User,
    snowflake,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 9, 1 << 12, 1 << 15
BODY_METHODS = ("POST", "PUT", "PATCH")


class _RateRule:
    def __init__(self, pattern: str, every_n: int, retry_after: float, limit: int | None) -> None:
        method, _, path = pattern.partition(" ") if " " in pattern else ("", "", pattern)
        self.method = method.upper()
        self.regex = re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "/?$")
        self.every_n = every_n
        self.retry_after = retry_after
        self.limit = limit
        self.seen = 0
        self.fired = 0

    def hit(self, method: str, path: str) -> bool:
        if (self.method and self.method != method) or not self.regex.match(path):
            return False
        self.seen += 1
        if self.limit is not None and self.fired >= self.limit:
            return False
        if self.seen % self.every_n == 0:
            self.fired += 1
            return True
        return False


class DiscordEmulator:
    """A loopback Discord. See the package docstring for the tour."""

    def __init__(
        self,
        *,
        token: str = "emulator-bot-token",
        bot_name: str = "newsbot",
        heartbeat_interval_ms: int = 41250,
        validator: SpecValidator | None = None,
    ) -> None:
        self.token = token
        self.application_id = snowflake()
        self.application_flags = 1 << 23  # APPLICATION_COMMAND_BADGE, as on a bot with slash commands
        self.bot_user = User(self.application_id, bot_name, bot=True)
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.heartbeat_ack_delay = 0.25  # seconds, as over a network
        self.interaction_deadline = 3.0
        self.validator = validator or shared_validator()
        self.users: dict[int, User] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.attachments: dict[int, Attachment] = {}
        self.requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.connections: list[ConnectionRecord] = []
        self.resumes = 0
        self.command_syncs = 0
        self.interactions: list[Interaction] = []
        self._interactions_by_token: dict[str, Interaction] = {}
        self._messages: dict[int, dict[str, Any]] = {}
        self._channel_messages: dict[int, list[int]] = {}
        self._commands: dict[int | None, dict[str, dict[str, Any]]] = {}
        self._sessions: dict[str, Session] = {}
        self._live: set[GatewayConnection] = set()
        self._rate_rules: list[_RateRule] = []
        self._changed = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._rest = RestApi(self)
        self.faults = Faults(self)  # fault injection (tests/emulator/faults.py); empty by default
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle ---------------------------------------------------------------------------------------
    async def start(self) -> DiscordEmulator:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self._gateway)
        app.router.add_get("/resume/", self._gateway)
        app.router.add_get("/attachments/{aid}/{filename}", self._attachment)
        oauth.register(app, self)  # OAuth2 routes (the web panel's login) before the REST catch-all
        app.router.add_route("*", "/api/{tail:.*}", self._api)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        log.info("Discord emulator on %s", self.base_url)
        return self

    async def stop(self) -> None:
        for conn in list(self._live):
            await conn.close(1001, "Emulator stopping.")
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """Value for ``NEWSBOT_DISCORD_API`` / ``discord.http.Route.BASE``."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Value for ``NEWSBOT_DISCORD_GATEWAY`` / ``DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://127.0.0.1:{self.port}/"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/resume/"

    def env(self) -> dict[str, str]:
        """Environment for a bot subprocess (``newsbot run``)."""
        return {
            "DISCORD_TOKEN": self.token,
            "NEWSBOT_DISCORD_API": self.api_base,
            "NEWSBOT_DISCORD_GATEWAY": self.gateway_url,
        }

    # ---- world building ----------------------------------------------------------------------------------
    def create_user(self, username: str, *, bot: bool = False) -> User:
        user = User(snowflake(), username, bot=bot, global_name=username.title())
        self.users[user.id] = user
        return user

    def create_guild(
        self,
        name: str = "Test Guild",
        *,
        owner: User | None = None,
        bot_permissions: int = (1 << 53) - 1 & ~(1 << 3),
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        text_channels: tuple[str, ...] = ("general",),
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """A guild with @everyone, an owner, the bot as a member (with its managed role) and text channels;
        with ``shard=(id, count)`` its id puts it on that shard."""
        owner = owner or self.create_user(f"{name.lower().replace(' ', '_')}_owner")
        gid = snowflake()
        if shard is not None:
            shard_id, count = shard
            gid = ((((gid >> 22) // count) * count + shard_id) << 22) | (gid & 0x3FFFFF)
        guild = Guild(id=gid, name=name, owner_id=owner.id)
        guild.roles[gid] = Role(gid, "@everyone", permissions=everyone_permissions, position=0)
        bot_role = Role(
            snowflake(), self.bot_user.username, permissions=bot_permissions, position=1, managed=True
        )
        guild.roles[bot_role.id] = bot_role
        guild.members[owner.id] = Member(owner)
        guild.members[self.bot_user.id] = Member(self.bot_user, roles=[bot_role.id])
        self.guilds[gid] = guild
        for pos, channel_name in enumerate(text_channels):
            channel = Channel(snowflake(), GUILD_TEXT, channel_name, guild_id=gid, position=pos)
            guild.channels[channel.id] = channel
            self.channels[channel.id] = channel
        self._dispatch_later("GUILD_CREATE", guild.gateway_payload, GUILD_MESSAGES * 0)
        return guild

    def create_role(self, guild: Guild, name: str, permissions: int = 0) -> Role:
        role = Role(snowflake(), name, permissions=permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        self._dispatch_later("GUILD_ROLE_CREATE", lambda: {"guild_id": str(guild.id), "role": role.payload()})
        return role

    def add_member(self, guild: Guild, user: User, roles: list[Role] | None = None) -> Member:
        member = Member(user, roles=[r.id for r in roles or []])
        guild.members[user.id] = member
        self._dispatch_later("GUILD_MEMBER_ADD", lambda: member.payload() | {"guild_id": str(guild.id)})
        return member

    def create_channel(
        self, guild: Guild, name: str, *, type: int = GUILD_TEXT, topic: str | None = None
    ) -> Channel:
        channel = Channel(
            snowflake(), type, name, guild_id=guild.id, position=len(guild.channels), topic=topic
        )
        self._add_channel(channel, event="CHANNEL_CREATE")
        return channel

    def create_forum(self, guild: Guild, name: str, tags: tuple[str, ...] = ()) -> Channel:
        channel = Channel(snowflake(), GUILD_FORUM, name, guild_id=guild.id, position=len(guild.channels))
        channel.available_tags = [
            {"id": str(snowflake()), "name": tag, "moderated": False, "emoji_id": None, "emoji_name": None}
            for tag in tags
        ]
        self._add_channel(channel, event="CHANNEL_CREATE")
        return channel

    def dm_channel(self, user: User) -> Channel:
        for channel in self.channels.values():
            if channel.type == DM and channel.recipients and channel.recipients[0].id == user.id:
                return channel
        channel = Channel(snowflake(), DM, "", recipients=[user])
        self.channels[channel.id] = channel
        return channel

    def add_attachment(
        self,
        data: bytes,
        filename: str,
        content_type: str = "application/octet-stream",
        *,
        description: str | None = None,
    ) -> Attachment:
        """Serve ``data`` at ``/attachments/{id}/{filename}``; pass the result as an ATTACHMENT option."""
        aid = snowflake()
        url = f"{self.base_url}/attachments/{aid}/{filename}"
        att = Attachment(aid, filename, content_type, data, url, description)
        self.attachments[aid] = att
        return att

    def _add_channel(self, channel: Channel, *, event: str, extra: dict[str, Any] | None = None) -> None:
        guild = self.guilds[channel.guild_id] if channel.guild_id else None
        if guild is not None:
            guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self._dispatch_later(event, lambda: channel.payload() | (extra or {}))

    # ---- inspection --------------------------------------------------------------------------------------
    def messages(self, channel_id: int | str | Channel | Any) -> list[dict[str, Any]]:
        """Every message in a channel (oldest first), ephemeral ones included (``flags & 64``).

        Takes an id or anything with an ``id`` (an emulator ``Channel``, a discord.py channel)."""
        cid = int(channel_id) if isinstance(channel_id, int | str) else int(channel_id.id)
        return [self._messages[m] for m in self._channel_messages.get(cid, []) if m in self._messages]

    def message(self, message_id: int | str) -> dict[str, Any] | None:
        return self._messages.get(int(message_id))

    def commands(self, guild: Guild | None = None) -> list[dict[str, Any]]:
        """Synced commands: global ones, or a guild's."""
        return list(self._commands.get(guild.id if guild else None, {}).values())

    def requests_to(self, method: str, pattern: str) -> list[RecordedRequest]:
        """Logged requests whose path matches ``pattern`` (``{x}`` matches one segment)."""
        rx = re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(pattern)) + "/?$")
        return [r for r in self.requests if r.method == method.upper() and rx.match(r.path)]

    @property
    def connected(self) -> bool:
        return any(c.session is not None and not c.ws.closed for c in self._live)

    def assert_no_violations(self) -> None:
        """Fail with every schema violation, unknown route and protocol misstep recorded so far."""
        if self.violations:
            listing = "\n".join(f"  {v}" for v in self.violations)
            raise AssertionError(f"{len(self.violations)} Discord emulator violation(s):\n{listing}")

    def take_violations(self) -> list[Violation]:
        """Return and forget the recorded violations (for tests that provoke them on purpose)."""
        found, self.violations = self.violations, []
        return found

    def ratelimit(
        self, route_pattern: str, *, every_n: int = 2, retry_after: float = 0.05, limit: int | None = None
    ) -> None:
        """Answer every ``every_n``-th matching request with a real 429, e.g. ``"POST /channels/{id}/messages"``."""
        self._rate_rules.append(_RateRule(route_pattern, max(1, every_n), retry_after, limit))

    # ---- waiting -----------------------------------------------------------------------------------------
    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> T:
        """Wait until ``predicate()`` is truthy and return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"emulator: timed out after {timeout} s waiting for {what}")
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.25))
            except TimeoutError:
                pass

    async def wait_ready(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until a bot has identified and received its guilds."""
        await self.wait_until(lambda: self.connected, timeout, "the bot to connect")

    async def wait_commands(self, timeout: float = 10.0, guild: Guild | None = None) -> list[dict[str, Any]]:  # noqa: ASYNC109
        """Until the bot has synced (bulk-overwritten) its commands at least once."""
        return await self.wait_until(
            lambda: self.commands(guild) if self.command_syncs else None, timeout, "command sync"
        )

    async def wait_response(self, interaction: Interaction, timeout: float = 5.0) -> Callback:  # noqa: ASYNC109
        """The bot's initial response (callback type and data)."""
        return await self.wait_until(
            lambda: interaction.callback, timeout, f"a response to interaction {interaction.id}"
        )

    async def wait_followup(
        self,
        interaction: Interaction,
        index: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """The ``index``-th followup message (after a deferral the first one is the edited original)."""

        def ready() -> dict[str, Any] | None:
            if len(interaction.followup_ids) > index:
                return self._messages.get(interaction.followup_ids[index])
            return None

        return await self.wait_until(ready, timeout, f"followup #{index} of interaction {interaction.id}")

    async def wait_original(self, interaction: Interaction, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109
        """The original response once it is no longer a deferred 'thinking' placeholder."""

        def ready() -> dict[str, Any] | None:
            if interaction.original_id is None or interaction.loading:
                return None
            return self._messages.get(interaction.original_id)

        return await self.wait_until(ready, timeout, f"the original response of interaction {interaction.id}")

    async def wait_message(
        self,
        channel: Channel | int,
        predicate: Callable[[dict[str, Any]], bool] = lambda m: True,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            return next((m for m in self.messages(channel) if predicate(m)), None)

        return await self.wait_until(found, timeout, "a matching message")

    # ---- interactions ------------------------------------------------------------------------------------
    def _default_place(self, guild: Guild | None, channel: Channel | None) -> tuple[Guild | None, Channel]:
        if channel is not None:
            return (self.guilds.get(channel.guild_id) if channel.guild_id else None), channel
        if guild is None:
            if not self.guilds:
                raise ValueError("create a guild first")
            guild = next(iter(self.guilds.values()))
        channel = next(c for c in guild.channels.values() if c.type == GUILD_TEXT)
        return guild, channel

    def _default_user(self, guild: Guild | None, user: User | None) -> User:
        if user is not None:
            return user
        if guild is not None:
            return self.users[guild.owner_id]
        raise ValueError("pass user= for interactions outside a guild")

    async def send_interaction(
        self,
        interaction_type: int,
        data: dict[str, Any] | None,
        *,
        guild: Guild | None = None,
        channel: Channel | None = None,
        user: User | None = None,
        message: dict[str, Any] | None = None,
        locale: str = "en-US",
    ) -> Interaction:
        """Low level: wrap ``data`` in a full interaction payload and dispatch INTERACTION_CREATE."""
        if not self._sessions:
            raise RuntimeError("no bot has connected to the emulator's gateway yet (await emu.wait_ready())")
        guild, channel = self._default_place(guild, channel)
        user = self._default_user(guild, user)
        iid, itoken, payload = envelope(
            application_id=self.application_id,
            interaction_type=interaction_type,
            data=data,
            guild=guild,
            channel=channel,
            user=user,
            bot_user=self.bot_user,
            locale=locale,
            message=message,
        )
        inter = Interaction(id=iid, token=itoken, type=interaction_type, payload=payload)
        self.interactions.append(inter)
        self._interactions_by_token[itoken] = inter
        inter.shards = await self.dispatch("INTERACTION_CREATE", payload)
        return inter

    def _find_command(
        self, name: str, guild: Guild | None, ctype: int = 1
    ) -> tuple[dict[str, Any], list[str]]:
        head, *path = name.split()
        for scope in ([guild.id] if guild else []) + [None]:
            cmd = self._commands.get(scope, {}).get(f"{ctype}:{head}")
            if cmd is not None:
                return cmd, path
        raise OptionError(
            f"no synced command /{head}; synced: {[c['name'] for s in self._commands.values() for c in s.values()]}"
        )

    async def invoke(self, name: str, options: dict[str, Any] | None = None, **where: Any) -> Interaction:
        """Run a slash command: ``await emu.invoke("news summary", {"article": "42"}, user=alice)``.

        Options are checked against the synced definition; User/Member/Role/Channel/Attachment values
        become ids plus ``resolved`` entries.
        """
        guild, _ = self._default_place(where.get("guild"), where.get("channel"))
        cmd, path = self._find_command(name, guild)
        data = build_command_data(cmd, path, options or {}, guild)
        return await self.send_interaction(APPLICATION_COMMAND, data, **where)

    async def autocomplete(
        self, name: str, options: dict[str, Any], focused: str, **where: Any
    ) -> Interaction:
        """The user typing into option ``focused``; the choices arrive as a type-8 callback."""
        guild, _ = self._default_place(where.get("guild"), where.get("channel"))
        cmd, path = self._find_command(name, guild)
        data = build_command_data(cmd, path, options, guild, focused=focused)
        return await self.send_interaction(AUTOCOMPLETE, data, **where)

    async def click(
        self, message: dict[str, Any], custom_id: str, *, values: list[str] | None = None, **where: Any
    ) -> Interaction:
        """Press a button (or pick ``values`` in a select) on a message the bot sent."""
        component = _find_component(message.get("components") or [], custom_id)
        if component is None:
            raise OptionError(f"message {message['id']} has no component {custom_id!r}")
        data: dict[str, Any] = {
            "custom_id": custom_id,
            "component_type": component["type"],
            "id": component.get("id", 0),
        }
        if values is not None or component["type"] != 2:
            data["values"] = list(values or [])
        where.setdefault("channel", self.channels[int(message["channel_id"])])
        return await self.send_interaction(MESSAGE_COMPONENT, data, message=message, **where)

    async def submit_modal(self, opened_by: Interaction, values: dict[str, str], **where: Any) -> Interaction:
        """Fill in and submit the modal the bot opened (type-9 callback) in answer to ``opened_by``."""
        cb = opened_by.callback
        if cb is None or cb.type != 9 or cb.data is None:
            raise OptionError(f"interaction {opened_by.id} was not answered with a modal")
        data = {"custom_id": cb.data["custom_id"], "components": modal_submit_components(cb.data, values)}
        message = opened_by.payload.get("message")
        channel = self.channels[int(opened_by.payload["channel_id"])]
        where.setdefault("channel", channel)
        member_user = (opened_by.payload.get("member") or {}).get("user") or opened_by.payload.get("user")
        if "user" not in where and member_user:
            where["user"] = self.users[int(member_user["id"])]
        return await self.send_interaction(MODAL_SUBMIT, data, message=message, **where)

    # ---- gateway -----------------------------------------------------------------------------------------
    async def dispatch(self, event: str, data: Any, *, intent: int = 0) -> list[tuple[int, int]]:
        """Send a DISPATCH to every connected session (whose intents include ``intent``); a guild's
        events only to the session of the shard that owns the guild. Returns the shards it went to."""
        guild_id = _event_guild(event, data)
        shards: list[tuple[int, int]] = []
        for session in list(self._sessions.values()):
            if intent and not session.intents & intent:
                continue
            if guild_id is not None and not session.owns(guild_id):
                continue
            shards.append(session.shard)
            conn = session.connection
            if conn is not None and not conn.ws.closed:
                await conn.dispatch(event, data)
            else:
                session.next_event(event, data)  # kept for RESUME replay
        return shards

    def _dispatch_later(self, event: str, build: Callable[[], Any], intent: int = 0) -> None:
        if not self._sessions:
            return
        task = asyncio.get_running_loop().create_task(self.dispatch(event, build(), intent=intent))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def reconnect(self) -> None:
        """Send op 7 RECONNECT: the client should come back with RESUME on ``resume_gateway_url``."""
        for conn in list(self._live):
            await conn.send({"op": 7, "d": None, "s": None, "t": None})

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every gateway socket with ``code`` (4000 lets the client resume)."""
        for conn in list(self._live):
            await conn.close(code, "Dropped by the emulator.")

    async def invalidate_sessions(self) -> None:
        """Send INVALID_SESSION (not resumable) and forget the sessions."""
        for conn in list(self._live):
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
        self._sessions.clear()

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        compress = query.get("compress")
        record = ConnectionRecord(request.path, query, compress, time.monotonic())
        self.connections.append(record)
        ws = web.WebSocketResponse(autoping=True, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        conn = GatewayConnection(self, ws, record)
        if query.get("v", "10") != "10" or query.get("encoding", "json") != "json":
            await conn.close(
                4012 if query.get("v", "10") != "10" else 4002, "Unsupported version or encoding."
            )
            return ws
        if not compression_supported(compress):
            await conn.close(4000, f"Unsupported compression {compress}.")
            return ws
        self._live.add(conn)
        try:
            await conn.run()
        finally:
            self._live.discard(conn)
            record.close_code = record.close_code or ws.close_code
            self._notify()
        return ws

    # ---- REST --------------------------------------------------------------------------------------------
    def _record_problem(self, kind: str, method: str, path: str, message: str, body: Any = None) -> None:
        violation = Violation(kind, method, path, message, body)
        log.warning("emulator violation: %s", violation)
        self.violations.append(violation)

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        att = (
            self.attachments.get(int(request.match_info["aid"]))
            if request.match_info["aid"].isdigit()
            else None
        )
        if att is None or att.filename != request.match_info["filename"]:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=att.data, headers={"Content-Type": att.content_type})

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        self._record_problem("unknown_route", request.method, request.path, "no such route")
        return json_response(404, {"message": "404: Not Found", "code": 0})

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        ctype = request.content_type
        if ctype == "multipart/form-data":
            body: Any = None
            files: list[UploadedFile] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                name = part.name or ""
                raw = await part.read()
                if name == "payload_json":
                    body = json.loads(raw)
                elif part.filename is not None:
                    files.append(
                        UploadedFile(
                            name,
                            part.filename,
                            part.headers.get("Content-Type", "application/octet-stream"),
                            bytes(raw),
                        )
                    )
            return body, files
        raw = await request.read()
        if not raw:
            return None, []
        if ctype == "application/json":
            return json.loads(raw), []
        raise ApiError(400, 50109, "The request body contains invalid JSON.")

    async def _api(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        hit = re.match(r"^v(\d+)(/.*)$", tail)
        if hit is None or hit.group(1) not in ("9", "10"):
            return await self._unknown(request)
        path, method = hit.group(2), request.method
        entry = RecordedRequest(
            method, path, dict(request.query), None, [], time.time(), headers=_plain(request.headers)
        )
        self.requests.append(entry)
        try:
            body, files = await self._read_body(request)
        except (ValueError, ApiError) as exc:
            entry.status = 400
            self._record_problem("schema", method, path, f"unreadable body: {exc}")
            return error_response(
                exc
                if isinstance(exc, ApiError)
                else ApiError(400, 50109, "The request body contains invalid JSON.")
            )
        entry.json, entry.files = body, files
        found = find_route(method, path)
        if found is None:
            entry.status = 404
            self._record_problem("unknown_route", method, path, "the emulator has no such route", body)
            return json_response(404, {"message": "404: Not Found", "code": 0})
        handler, params, needs_auth = found
        bucket = f"{method}:{re.sub(r'/[0-9]{6,}', '/:id', path)}"
        for rule in self._rate_rules:
            if rule.hit(method, path):
                entry.status = 429
                return too_many_requests(bucket, rule.retry_after)
        fault = self.faults.before_rest(method, path)
        if fault is not None and fault.kind in ("error", "storm"):
            entry.status = fault.status
            return self.faults.error_response(fault, bucket)
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        authorized = request.headers.get("Authorization") == f"Bot {self.token}"
        if needs_auth and not authorized:
            entry.status = 401
            return error_response(ApiError(401, 0, "401: Unauthorized"))
        if method in BODY_METHODS and body is not None:
            problems = self.validator.validate(method, path, body)
            if problems:
                for problem in problems:
                    self._record_problem("schema", method, path, str(problem), body)
                entry.status = 400
                errors = {"_errors": [{"code": "SCHEMA", "message": str(p)} for p in problems]}
                return error_response(ApiError(400, 50035, "Invalid Form Body", errors))
        req = ApiRequest(method, path, params, dict(request.query), body, files, authorized)
        headers = ratelimit_headers(bucket, remaining=49, reset_after=1.0)
        try:
            reply = await handler(self._rest, req)
        except ApiError as err:
            entry.status = err.status
            return error_response(err, headers)
        except (KeyError, TypeError, ValueError) as exc:
            entry.status = 400
            self._record_problem("schema", method, path, f"malformed request: {exc!r}", body)
            return error_response(ApiError(400, 50035, "Invalid Form Body"), headers)
        entry.status = reply.status
        if fault is not None and fault.kind == "drop":
            if request.transport is not None:
                request.transport.abort()  # handled, but the answer never arrives
            raise asyncio.CancelledError
        if reply.status == 204:
            return web.Response(status=204, headers=headers)
        return json_response(reply.status, reply.body, headers)

    # ---- message bookkeeping (used by the REST handlers) ----------------------------------------------------
    def _store_message(self, channel: Channel, msg: dict[str, Any]) -> None:
        mid = int(msg["id"])
        self._messages[mid] = msg
        self._channel_messages.setdefault(channel.id, []).append(mid)
        channel.last_message_id = mid
        if channel.is_thread:
            channel.message_count += 1
        self._notify()
        if not msg["flags"] & 64:
            intent = DIRECT_MESSAGES if channel.type == DM else GUILD_MESSAGES
            self._dispatch_later("MESSAGE_CREATE", lambda: dict(msg), intent)

    def _message_edited(self, msg: dict[str, Any]) -> None:
        self._notify()
        if not msg["flags"] & 64:
            self._dispatch_later("MESSAGE_UPDATE", lambda: dict(msg), GUILD_MESSAGES)

    def _delete_message(self, msg: dict[str, Any]) -> None:
        self._messages.pop(int(msg["id"]), None)
        self._notify()
        data = {"id": msg["id"], "channel_id": msg["channel_id"]} | (
            {"guild_id": msg["guild_id"]} if "guild_id" in msg else {}
        )
        self._dispatch_later("MESSAGE_DELETE", lambda: data, GUILD_MESSAGES)

    def application_payload(self) -> dict[str, Any]:
        owner = next((self.users[g.owner_id] for g in self.guilds.values()), self.bot_user)
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": owner.payload(),
            "team": None,
            "flags": self.application_flags,
            "bot": self.bot_user.payload(),
            "approximate_guild_count": len(self.guilds),
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "install_params": None,
            "integration_types_config": {"0": {}},
            "redirect_uris": [],
            "rpc_origins": [],
            "event_webhooks_status": 1,
        }


def _event_guild(event: str, data: Any) -> int | None:
    """The guild an event belongs to (None: not a guild's event, sent to every session)."""
    if not isinstance(data, dict):
        return None
    raw = data.get("guild_id")
    if raw is None and event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
        raw = data.get("id")
    return int(raw) if raw is not None else None


def _plain(headers: CIMultiDictProxy[str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() != "authorization"}


def _find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    for comp in components:
        if comp.get("custom_id") == custom_id:
            return comp
        for key in ("components", "accessory", "component"):
            inner = comp.get(key)
            if isinstance(inner, dict):
                inner = [inner]
            if isinstance(inner, list):
                hit = _find_component(inner, custom_id)
                if hit is not None:
                    return hit
    return None
