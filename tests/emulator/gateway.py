"""The gateway websocket: HELLO, IDENTIFY/READY, RESUME, heartbeats, dispatches, transport compression.

Transport compression follows Discord: with ``compress=zlib-stream`` every payload goes through one shared
zlib compressor per connection and ends with a ``Z_SYNC_FLUSH`` (the ``00 00 ff ff`` suffix clients wait for);
``zstd-stream`` works the same way with zstandard, when that package is installed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .server import DiscordEmulator

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE, RESUME, RECONNECT, REQUEST_MEMBERS = (
    0,
    1,
    2,
    3,
    4,
    6,
    7,
    8,
)
INVALID_SESSION, HELLO, HEARTBEAT_ACK = 9, 10, 11

# Close codes.
UNKNOWN_ERROR, DECODE_ERROR, NOT_AUTHENTICATED, AUTH_FAILED, ALREADY_AUTHENTICATED = (
    4000,
    4002,
    4003,
    4004,
    4005,
)


class _Compressor:
    def __init__(self, kind: str | None) -> None:
        self.kind = kind
        self._zlib = zlib.compressobj() if kind == "zlib-stream" else None
        self._zstd: Any = None
        if kind == "zstd-stream":
            import zstandard  # only reached when the client asked for it, i.e. it has zstandard too

            self._zstd = zstandard.ZstdCompressor().compressobj()
            self._zstd_flush = zstandard.COMPRESSOBJ_FLUSH_BLOCK

    def encode(self, text: str) -> str | bytes:
        raw = text.encode("utf-8")
        if self._zlib is not None:
            return self._zlib.compress(raw) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
        if self._zstd is not None:
            return bytes(self._zstd.compress(raw) + self._zstd.flush(self._zstd_flush))
        return text


def compression_supported(kind: str | None) -> bool:
    if kind in (None, "", "zlib-stream"):
        return True
    if kind == "zstd-stream":
        try:
            import zstandard  # noqa: F401
        except ImportError:
            return False
        return True
    return False


@dataclass
class Session:
    """A gateway session: survives its websocket so RESUME can replay what was missed."""

    id: str
    intents: int
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    connection: GatewayConnection | None = None
    identify: dict[str, Any] = field(default_factory=dict)

    @property
    def shard(self) -> tuple[int, int]:
        """(shard id, shard count) from IDENTIFY; (0, 1) when the bot did not shard."""
        raw = self.identify.get("shard") or [0, 1]
        return int(raw[0]), max(int(raw[1]), 1)

    def owns(self, guild_id: int) -> bool:
        """Discord's rule: a guild's events go to shard (guild_id >> 22) % shard_count."""
        shard_id, count = self.shard
        return (guild_id >> 22) % count == shard_id

    def next_event(self, event: str, data: Any) -> dict[str, Any]:
        self.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": self.seq, "d": data}
        self.sent.append(payload)
        del self.sent[:-1000]
        return payload


@dataclass
class ConnectionRecord:
    """What a test may want to know about one websocket: where it came and how it ended."""

    path: str
    query: dict[str, str]
    compress: str | None
    opened_at: float
    kind: str = "pending"  # "identify" | "resume" | "pending"
    close_code: int | None = None


class GatewayConnection:
    def __init__(
        self, emulator: DiscordEmulator, ws: web.WebSocketResponse, record: ConnectionRecord
    ) -> None:
        self.emu = emulator
        self.ws = ws
        self.record = record
        self.compressor = _Compressor(record.compress)
        self.session: Session | None = None
        self._send_lock = asyncio.Lock()
        self.heartbeats = 0

    async def send(self, payload: dict[str, Any]) -> None:
        if self.ws.closed:
            return
        async with self._send_lock:
            frame = self.compressor.encode(json.dumps(payload, separators=(",", ":")))
            try:
                if isinstance(frame, bytes):
                    await self.ws.send_bytes(frame)
                else:
                    await self.ws.send_str(frame)
            except (ConnectionResetError, RuntimeError):
                log.debug("gateway send on a closing socket dropped")

    async def dispatch(self, event: str, data: Any) -> None:
        assert self.session is not None
        payload = self.session.next_event(event, data)
        fault = self.emu.faults.gateway_rule(event)
        if fault is None or fault.deliver:
            await self.send(payload)
        if fault is not None:  # not delivered: the session keeps it for RESUME to replay
            await self.close(fault.code, f"Fault injected after {event}.")

    async def close(self, code: int = UNKNOWN_ERROR, message: str = "") -> None:
        self.record.close_code = code
        await self.ws.close(code=code, message=message.encode())

    async def run(self) -> None:
        await self.send(
            {"op": HELLO, "d": {"heartbeat_interval": self.emu.heartbeat_interval_ms}, "s": None, "t": None}
        )
        async for msg in self.ws:
            if msg.type is WSMsgType.TEXT:
                raw: str | bytes = msg.data
            elif msg.type is WSMsgType.BINARY:
                raw = msg.data
            else:
                break
            try:
                payload = json.loads(raw)
            except ValueError:
                await self.close(DECODE_ERROR, "Error while decoding payload.")
                break
            await self.handle(payload)
        if self.session is not None and self.session.connection is self:
            self.session.connection = None

    async def handle(self, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        handler: Callable[[Any], Any] | None = {
            HEARTBEAT: self._heartbeat,
            IDENTIFY: self._identify,
            RESUME: self._resume,
            REQUEST_MEMBERS: self._request_members,
            PRESENCE: self._ignore,
            VOICE_STATE: self._ignore,
        }.get(op if isinstance(op, int) else -1)
        if handler is None:
            self.emu._record_problem("gateway", "WS", "/", f"unknown opcode {op!r}", payload)
            await self.close(4001, "Unknown opcode.")
            return
        if op not in (HEARTBEAT, IDENTIFY, RESUME) and self.session is None:
            await self.close(NOT_AUTHENTICATED, "Not authenticated.")
            return
        await handler(data)

    async def _ignore(self, data: Any) -> None:
        return None

    async def _heartbeat(self, data: Any) -> None:
        self.heartbeats += 1
        # a network round trip: discord.py notes a heartbeat's send time only once its sending thread
        # wakes again, and an instant ACK on a busy machine can beat it there ("Can't keep up ... 41 s")
        await asyncio.sleep(self.emu.heartbeat_ack_delay)
        await self.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})

    def _token_ok(self, token: Any) -> bool:
        return isinstance(token, str) and token.removeprefix("Bot ") == self.emu.token

    async def _identify(self, data: Any) -> None:
        if self.session is not None:
            await self.close(ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        if not isinstance(data, dict) or not self._token_ok(data.get("token")):
            await self.close(AUTH_FAILED, "Authentication failed.")
            return
        self.record.kind = "identify"
        session = Session(id=secrets.token_hex(16), intents=int(data.get("intents") or 0), identify=data)
        session.connection = self
        self.session = session
        self.emu._sessions[session.id] = session
        emu = self.emu
        ready = {
            "v": 10,
            "user": emu.bot_user.payload() | {"verified": True, "mfa_enabled": False, "email": None},
            "user_settings": {},
            "guilds": [
                {"id": str(g.id), "unavailable": True} for g in emu.guilds.values() if session.owns(g.id)
            ],
            "guild_join_requests": [],
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "sessions": [],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": emu.resume_gateway_url,
            "shard": data.get("shard", [0, 1]),
            "application": {"id": str(emu.application_id), "flags": emu.application_flags},
            "auth": {},
            "current_location": ["CLIENT"],
            "geo_ordered_rtc_regions": ["local"],
            "_trace": ['["newsbot-emulator",{"micros":1}]'],
        }
        await self.dispatch("READY", ready)
        for guild in list(emu.guilds.values()):
            if session.owns(guild.id):
                await self.dispatch("GUILD_CREATE", guild.gateway_payload())
        emu._notify()

    async def _resume(self, data: Any) -> None:
        if not isinstance(data, dict) or not self._token_ok(data.get("token")):
            await self.close(AUTH_FAILED, "Authentication failed.")
            return
        session = self.emu._sessions.get(str(data.get("session_id")))
        if session is None:
            await self.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        self.record.kind = "resume"
        old = session.connection
        if old is not None and old is not self:
            await old.close(UNKNOWN_ERROR, "Session resumed elsewhere.")
        session.connection = self
        self.session = session
        last = int(data.get("seq") or 0)
        for payload in list(session.sent):
            if payload["s"] > last:
                await self.send(payload)
        await self.dispatch("RESUMED", {"_trace": ['["newsbot-emulator",{"micros":1}]']})
        self.emu.resumes += 1
        self.emu._notify()

    async def _request_members(self, data: Any) -> None:
        guild = self.emu.guilds.get(int(data.get("guild_id") or 0))
        if guild is None:
            return
        members = list(guild.members.values())
        user_ids = data.get("user_ids")
        if user_ids:
            wanted = {int(u) for u in user_ids}
            members = [m for m in members if m.user.id in wanted]
        query = data.get("query")
        if query:
            members = [m for m in members if m.user.username.lower().startswith(str(query).lower())]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)
