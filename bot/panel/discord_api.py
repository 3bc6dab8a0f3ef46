"""What the panel needs from Discord, without discord.py: the bot's view of servers (an interface with a
REST implementation for `newsbot panel`; `cogs/panel.py` implements it from the gateway cache in
`newsbot run`) and the user's side of OAuth2 (code exchange, identity, guild list, revoke)."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp

from bot.errors import NewsbotError

log = logging.getLogger(__name__)

DEFAULT_API = "https://discord.com/api/v10"
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MENTION_EVERYONE = 1 << 17
CREATE_PUBLIC_THREADS = 1 << 35
TEXT, NEWS, FORUM = 0, 5, 15


class DiscordUnavailable(NewsbotError):
    """Discord (or the login) answered with an error or could not be reached."""


@dataclass(frozen=True, slots=True)
class GuildInfo:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class MemberInfo:
    """The bot's current view of one member: enough for `may_manage`."""

    permissions: int
    role_ids: tuple[int, ...] = ()
    role_names: tuple[str, ...] = ()
    is_owner: bool = False


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    id: int
    name: str
    kind: str  # "text", "news" or "forum"


@dataclass(frozen=True, slots=True)
class RoleInfo:
    id: int
    name: str


@dataclass(slots=True)
class UserGuild:
    """One entry of the user's `/users/@me/guilds`, as OAuth2 reports it at login."""

    id: int
    name: str
    owner: bool = False
    permissions: int = 0

    @property
    def manages(self) -> bool:
        return self.owner or bool(self.permissions & (ADMINISTRATOR | MANAGE_GUILD))


@dataclass(slots=True)
class DiscordUser:
    id: int
    name: str
    guilds: list[UserGuild] = field(default_factory=list)


class DiscordView(Protocol):
    """The bot's own view of Discord (gateway cache in `run`, REST in `panel`)."""

    @property
    def application_id(self) -> int: ...

    async def bot_guilds(self) -> dict[int, GuildInfo]: ...

    async def member(self, guild_id: int, user_id: int) -> MemberInfo | None: ...

    async def channels(self, guild_id: int) -> list[ChannelInfo]:
        """Channels where the bot may post digests (view + send)."""
        ...

    async def roles(self, guild_id: int) -> list[RoleInfo]:
        """Roles a digest may mention (mentionable, or the bot may mention everyone)."""
        ...


def _kind(channel_type: int) -> str | None:
    return {TEXT: "text", NEWS: "news", FORUM: "forum"}.get(channel_type)


class RestDiscordView:
    """`newsbot panel`: asks Discord's REST API with the bot token (short cache; members never cached)."""

    def __init__(self, session: aiohttp.ClientSession, token: str, api_base: str | None) -> None:
        self.session = session
        self.token = token
        self.api = (api_base or DEFAULT_API).rstrip("/")
        self.application_id = 0
        self.bot_user_id = 0
        self._guilds: dict[int, GuildInfo] | None = None

    async def _get(self, path: str) -> Any:
        try:
            async with self.session.get(
                self.api + path, headers={"Authorization": f"Bot {self.token}"}
            ) as resp:
                if resp.status == 404:
                    return None
                if resp.status >= 400:
                    raise DiscordUnavailable(f"Discord answered {resp.status} for {path.split('?')[0]}")
                return await resp.json(content_type=None)
        except aiohttp.ClientError as exc:
            raise DiscordUnavailable(f"cannot reach Discord: {type(exc).__name__}") from exc

    async def start(self) -> None:
        app = await self._get("/oauth2/applications/@me")
        me = await self._get("/users/@me")
        if not me:
            raise DiscordUnavailable("Discord did not accept the bot token")
        self.bot_user_id = int(me["id"])
        self.application_id = int(app["id"]) if app else self.bot_user_id

    async def bot_guilds(self) -> dict[int, GuildInfo]:
        data = await self._get("/users/@me/guilds?limit=200") or []
        self._guilds = {int(g["id"]): GuildInfo(int(g["id"]), str(g["name"])) for g in data}
        return self._guilds

    async def _guild(self, guild_id: int) -> dict[str, Any] | None:
        data = await self._get(f"/guilds/{guild_id}")
        return data if isinstance(data, dict) else None

    async def member(self, guild_id: int, user_id: int) -> MemberInfo | None:
        guild = await self._guild(guild_id)
        member = await self._get(f"/guilds/{guild_id}/members/{user_id}")
        if guild is None or not member:
            return None
        roles = {int(r["id"]): r for r in guild.get("roles", [])}
        mine = [int(r) for r in member.get("roles", [])]
        perms = int(roles[guild_id]["permissions"]) if guild_id in roles else 0
        for rid in mine:
            if rid in roles:
                perms |= int(roles[rid]["permissions"])
        return MemberInfo(
            perms,
            tuple(mine),
            tuple(str(roles[r]["name"]) for r in mine if r in roles),
            int(guild.get("owner_id", 0)) == user_id,
        )

    async def _bot_permissions(self, guild_id: int) -> int:
        me = await self.member(guild_id, self.bot_user_id)
        if me is None:
            return 0
        return -1 if me.is_owner or me.permissions & ADMINISTRATOR else me.permissions

    async def channels(self, guild_id: int) -> list[ChannelInfo]:
        perms = await self._bot_permissions(guild_id)
        if perms != -1 and not (perms & VIEW_CHANNEL and perms & SEND_MESSAGES):
            return []
        out = []
        for c in await self._get(f"/guilds/{guild_id}/channels") or []:
            kind = _kind(int(c.get("type", -1)))
            if kind is not None:
                out.append(ChannelInfo(int(c["id"]), str(c.get("name") or c["id"]), kind))
        return out

    async def roles(self, guild_id: int) -> list[RoleInfo]:
        perms = await self._bot_permissions(guild_id)
        everyone = perms == -1 or bool(perms & MENTION_EVERYONE)
        guild = await self._guild(guild_id) or {}
        return [
            RoleInfo(int(r["id"]), str(r["name"]))
            for r in guild.get("roles", [])
            if int(r["id"]) != guild_id and not r.get("managed") and (everyone or r.get("mentionable"))
        ]


class OAuthClient:
    """The user's side of Discord OAuth2 (authorization code flow)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_base: str | None,
        client_id: int,
        client_secret: str,
        redirect_uri: str,
    ) -> None:
        self.session = session
        self.api = (api_base or DEFAULT_API).rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri

    async def exchange(self, code: str) -> str:
        """An access token for the code (the refresh token is not kept: sessions are short)."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
        }
        data = await self._post("/oauth2/token", form)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not token:
            raise DiscordUnavailable("Discord did not return an access token")
        return str(token)

    async def revoke(self, token: str) -> None:
        try:
            await self._post("/oauth2/token/revoke", {"token": token, "token_type_hint": "access_token"})
        except DiscordUnavailable as exc:
            log.info("token revoke failed", extra={"error": str(exc)})

    async def user(self, token: str) -> DiscordUser:
        me = await self._bearer("/users/@me", token)
        guilds = await self._bearer("/users/@me/guilds", token)
        name = str(me.get("global_name") or me.get("username") or me["id"])
        return DiscordUser(int(me["id"]), name, [_user_guild(g) for g in guilds or []])

    async def guilds(self, token: str) -> list[UserGuild]:
        return [_user_guild(g) for g in await self._bearer("/users/@me/guilds", token) or []]

    async def _post(self, path: str, form: dict[str, str]) -> Any:
        pair = f"{self.client_id}:{self.client_secret}".encode()
        auth = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        try:
            async with self.session.post(self.api + path, data=form, headers=auth) as resp:
                if resp.status >= 400:
                    raise DiscordUnavailable(f"Discord refused the login ({resp.status})")
                return await resp.json(content_type=None) if resp.status != 204 else None
        except aiohttp.ClientError as exc:
            raise DiscordUnavailable(f"cannot reach Discord: {type(exc).__name__}") from exc

    async def _bearer(self, path: str, token: str) -> Any:
        try:
            async with self.session.get(
                self.api + path, headers={"Authorization": f"Bearer {token}"}
            ) as resp:
                if resp.status == 401:
                    raise SessionExpired("your Discord login expired; log in again")
                if resp.status >= 400:
                    raise DiscordUnavailable(f"Discord answered {resp.status}")
                return await resp.json(content_type=None)
        except aiohttp.ClientError as exc:
            raise DiscordUnavailable(f"cannot reach Discord: {type(exc).__name__}") from exc


class SessionExpired(DiscordUnavailable):
    pass


def _user_guild(g: dict[str, Any]) -> UserGuild:
    return UserGuild(
        int(g["id"]), str(g.get("name") or g["id"]), bool(g.get("owner")), int(g.get("permissions") or 0)
    )
