"""REST routes under ``/api/v10``: the subset of Discord's API a bot uses, answered from emulator state."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .http_util import ApiError, UploadedFile, not_found
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    Callback,
    Interaction,
)
from .state import (
    DM,
    GUILD_FORUM,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    Attachment,
    Channel,
    Guild,
    iso_now,
    snowflake,
)

if TYPE_CHECKING:
    from .server import DiscordEmulator

EPHEMERAL, LOADING, HAS_THREAD = 64, 128, 32
VIEW_CHANNEL, SEND_MESSAGES, SEND_IN_THREADS = 1 << 10, 1 << 11, 1 << 38
NONCE_WINDOW_S = 300.0
INTERACTION_LIMIT_S = 3.0


@dataclass
class ApiRequest:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    authorized: bool


@dataclass
class Reply:
    status: int
    body: Any = None


Handler = Callable[["RestApi", ApiRequest], Awaitable[Reply]]
_ROUTES: list[tuple[str, re.Pattern[str], Handler, bool]] = []


def route(method: str, template: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
    """Register a handler for ``method template`` (``{name}`` captures one path segment)."""
    pattern = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "/?$")

    def deco(fn: Handler) -> Handler:
        _ROUTES.append((method, pattern, fn, auth))
        return fn

    return deco


def find_route(method: str, path: str) -> tuple[Handler, dict[str, str], bool] | None:
    for m, pattern, fn, auth in _ROUTES:
        if m == method:
            hit = pattern.match(path)
            if hit:
                return fn, hit.groupdict(), auth
    return None


def _int(value: str, what: str, code: int) -> int:
    try:
        return int(value)
    except ValueError:
        raise not_found(what, code) from None


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


class RestApi:
    """Route handlers; all state lives on the emulator."""

    def __init__(self, emulator: DiscordEmulator) -> None:
        self.emu = emulator
        self._nonces: dict[tuple[int, str], tuple[float, int]] = {}

    # ---- lookups -------------------------------------------------------------------------------------
    def channel(self, raw: str) -> Channel:
        channel = self.emu.channels.get(_int(raw, "Channel", 10003))
        if channel is None:
            raise not_found("Channel", 10003)
        self.emu.faults.check_channel(channel.id, sending=False)
        return channel

    def guild(self, raw: str) -> Guild:
        guild = self.emu.guilds.get(_int(raw, "Guild", 10004))
        if guild is None:
            raise not_found("Guild", 10004)
        return guild

    def message(self, channel: Channel, raw: str) -> dict[str, Any]:
        msg = self.emu._messages.get(_int(raw, "Message", 10008))
        if msg is None or msg["channel_id"] != str(channel.id):
            raise not_found("Message", 10008)
        return msg

    def interaction(self, app_id: str, itoken: str) -> Interaction:
        found = self.emu._interactions_by_token.get(itoken)
        if found is None or app_id != str(self.emu.application_id):
            raise not_found("Webhook", 10015)
        self.emu.faults.check_token(found.sent_at)
        return found

    def _check_send(self, channel: Channel) -> None:
        self.emu.faults.check_channel(channel.parent_id or channel.id, sending=True)
        if channel.type == GUILD_FORUM:
            raise ApiError(400, 50008, "Cannot send messages in a non-text channel")
        guild = self.emu.guilds.get(channel.guild_id or 0)
        if guild is None:
            return
        perms = guild.base_permissions(self.emu.bot_user.id)
        needed = VIEW_CHANNEL | (SEND_IN_THREADS if channel.is_thread else SEND_MESSAGES)
        if perms & needed != needed:
            raise ApiError(403, 50013, "Missing Permissions")

    # ---- messages ------------------------------------------------------------------------------------
    def _attachments(
        self, body: dict[str, Any], files: list[UploadedFile], keep: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        uploads = {}
        for f in files:
            hit = re.fullmatch(r"files\[(\d+)\]", f.field) or re.fullmatch(r"file(\d*)", f.field)
            if hit:
                uploads[hit.group(1) or "0"] = f
        existing = {a["id"]: a for a in keep}
        out: list[dict[str, Any]] = []
        listed = body.get("attachments")
        if listed is None:
            out = list(keep)
            entries: list[dict[str, Any]] = [{"id": k} for k in uploads]
        else:
            entries = list(listed)
        for entry in entries:
            key = str(entry.get("id"))
            if key in uploads:
                f = uploads[key]
                att = self.emu.add_attachment(
                    f.data,
                    entry.get("filename") or f.filename,
                    f.content_type,
                    description=entry.get("description"),
                )
                out.append(att.payload())
            elif key in existing:
                out.append(existing[key])
        return out

    def _check_limits(self, body: dict[str, Any]) -> None:
        content = body.get("content")
        if isinstance(content, str) and len(content) > 2000:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "content": {
                        "_errors": [
                            {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}
                        ]
                    }
                },
            )
        total = 0
        for embed in body.get("embeds") or []:
            total += len(embed.get("title") or "") + len(embed.get("description") or "")
            total += len((embed.get("footer") or {}).get("text") or "") + len(
                (embed.get("author") or {}).get("name") or ""
            )
            for fld in embed.get("fields") or []:
                total += len(fld.get("name") or "") + len(fld.get("value") or "")
        if total > 6000:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "embeds": {
                        "_errors": [
                            {
                                "code": "MAX_EMBED_SIZE_EXCEEDED",
                                "message": "Embed size exceeds maximum size of 6000",
                            }
                        ]
                    }
                },
            )

    def new_message(
        self,
        channel: Channel,
        body: dict[str, Any],
        files: list[UploadedFile],
        *,
        msg_type: int = 0,
        interaction: Interaction | None = None,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        self._check_limits(body)
        emu = self.emu
        mid = message_id or snowflake()
        msg: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel.id),
            "type": msg_type,
            "author": emu.bot_user.payload(),
            "content": body.get("content") or "",
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "mention_channels": [],
            "attachments": self._attachments(body, files, []),
            "embeds": [self._embed(e) for e in body.get("embeds") or []],
            "components": body.get("components") or [],
            "pinned": False,
            "flags": int(body.get("flags") or 0),
            "reactions": [],
        }
        if channel.guild_id:
            msg["guild_id"] = str(channel.guild_id)
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        ref = body.get("message_reference")
        if ref:
            msg["type"] = 19
            msg["message_reference"] = {
                "type": 0,
                "message_id": str(ref.get("message_id")),
                "channel_id": str(ref.get("channel_id") or channel.id),
            }
            if channel.guild_id:
                msg["message_reference"]["guild_id"] = str(channel.guild_id)
        if interaction is not None:
            invoker = interaction.payload.get("member", {}).get("user") or interaction.payload.get("user")
            msg["webhook_id"] = str(emu.application_id)
            msg["application_id"] = str(emu.application_id)
            msg["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": invoker,
                "authorizing_integration_owners": interaction.payload.get(
                    "authorizing_integration_owners", {}
                ),
            }
            name = (interaction.payload.get("data") or {}).get("name")
            if name:
                msg["interaction_metadata"]["name"] = name
                msg["interaction"] = {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "name": name,
                    "user": invoker,
                }
        emu._store_message(channel, msg)
        return msg

    def _embed(self, embed: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in embed.items() if v is not None}
        out.setdefault("type", "rich")
        out.setdefault("content_scan_version", 0)
        return out

    def edit_message(
        self, msg: dict[str, Any], body: dict[str, Any], files: list[UploadedFile]
    ) -> dict[str, Any]:
        self._check_limits(body)
        for key in ("content", "components"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
        if "embeds" in body:
            msg["embeds"] = [self._embed(e) for e in body["embeds"] or []]
        if "flags" in body and body["flags"] is not None:  # a message's visibility is set when it is made
            msg["flags"] = (msg["flags"] & (EPHEMERAL | HAS_THREAD)) | (int(body["flags"]) & ~EPHEMERAL)
        if "attachments" in body or files:
            msg["attachments"] = self._attachments(body, files, msg["attachments"])
        msg["flags"] &= ~LOADING
        msg["edited_timestamp"] = iso_now()
        self.emu._message_edited(msg)
        return msg

    # ---- interaction callbacks -----------------------------------------------------------------------
    def callback(self, inter: Interaction, body: dict[str, Any], files: list[UploadedFile]) -> Callback:
        emu = self.emu
        if inter.callback is not None:
            emu._record_problem(
                "protocol", "POST", f"/interactions/{inter.id}/…/callback", "interaction answered twice", body
            )
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        late = time.monotonic() - inter.sent_at
        if late > emu.interaction_deadline:
            emu._record_problem(
                "protocol",
                "POST",
                f"/interactions/{inter.id}/…/callback",
                f"first response after {late:.1f} s (Discord allows 3 s)",
                body,
            )
            raise ApiError(404, 10062, "Unknown interaction")
        ctype = int(body.get("type", 0))
        data = body.get("data")
        allowed = {
            APPLICATION_COMMAND: {4, 5, 9},
            MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
            AUTOCOMPLETE: {8},
            MODAL_SUBMIT: {4, 5, 6, 7} if "message" in inter.payload else {4, 5},
        }.get(inter.type, {1})
        if ctype not in allowed:
            emu._record_problem(
                "protocol",
                "POST",
                "/interactions/…/callback",
                f"callback type {ctype} is invalid for interaction type {inter.type}",
                body,
            )
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "type": {
                        "_errors": [
                            {
                                "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                                "message": "Invalid interaction response type",
                            }
                        ]
                    }
                },
            )
        channel = emu.channels[int(inter.payload["channel_id"])]
        message: dict[str, Any] | None = None
        if ctype in (4, 5):
            msg_body = dict(data or {})
            if ctype == 5:
                flags = int(msg_body.get("flags") or 0) & EPHEMERAL
                msg_body = {"flags": flags | LOADING}
            msg_type = 20 if inter.type == APPLICATION_COMMAND else 0
            message = self.new_message(channel, msg_body, files, msg_type=msg_type, interaction=inter)
            inter.original_id = int(message["id"])
            inter.loading = ctype == 5
        elif ctype in (6, 7):
            target = emu._messages.get(int(inter.payload["message"]["id"]))
            if target is None:
                raise not_found("Message", 10008)
            inter.original_id = int(target["id"])
            if ctype == 7:
                message = self.edit_message(target, dict(data or {}), files)
        cb = Callback(type=ctype, data=data, message=message)
        inter.callback = cb
        emu._notify()
        return cb

    def callback_resource(self, inter: Interaction, cb: Callback) -> dict[str, Any]:
        """The ``?with_response=1`` body: the interaction callback resource."""
        info: dict[str, Any] = {"id": str(inter.id), "type": inter.type}
        if cb.message is not None:
            info["response_message_id"] = cb.message["id"]
            info["response_message_loading"] = cb.type == 5
            info["response_message_ephemeral"] = bool(cb.message["flags"] & EPHEMERAL)
        body: dict[str, Any] = {"interaction": info}
        if cb.message is not None:
            body["resource"] = {"type": cb.type, "message": cb.message}
        elif cb.type in (6, 8, 9, 1):
            body["resource"] = {"type": cb.type}
        return body

    def original(self, inter: Interaction) -> dict[str, Any]:
        if inter.original_id is None or inter.original_id not in self.emu._messages:
            raise not_found("Message", 10008)
        return self.emu._messages[inter.original_id]

    def nonce_lookup(self, channel: Channel, body: dict[str, Any]) -> dict[str, Any] | None:
        nonce = body.get("nonce")
        if nonce is None or not body.get("enforce_nonce"):
            return None
        key = (channel.id, str(nonce))
        hit = self._nonces.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < NONCE_WINDOW_S and hit[1] in self.emu._messages:
            return self.emu._messages[hit[1]]
        return None

    def nonce_store(self, channel: Channel, body: dict[str, Any], msg: dict[str, Any]) -> None:
        if body.get("nonce") is not None and body.get("enforce_nonce"):
            self._nonces[(channel.id, str(body["nonce"]))] = (time.monotonic(), int(msg["id"]))

    def new_thread(
        self,
        parent: Channel,
        name: str,
        ttype: int,
        *,
        thread_id: int | None = None,
        archive: int = 1440,
        tags: list[int] | None = None,
    ) -> Channel:
        thread = Channel(
            id=thread_id or snowflake(),
            type=ttype,
            name=name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=self.emu.bot_user.id,
            auto_archive_duration=archive,
            applied_tags=tags or [],
        )
        self.emu._add_channel(thread, event="THREAD_CREATE", extra={"newly_created": True})
        return thread


# ---- users, application, gateway ----------------------------------------------------------------------


@route("GET", "/users/@me")
async def get_me(api: RestApi, req: ApiRequest) -> Reply:
    return Reply(
        200,
        api.emu.bot_user.payload()
        | {"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"},
    )


@route("GET", "/users/{user_id}")
async def get_user(api: RestApi, req: ApiRequest) -> Reply:
    user = api.emu.users.get(_int(req.params["user_id"], "User", 10013))
    if user is None:
        raise not_found("User", 10013)
    return Reply(200, user.payload())


@route("POST", "/users/@me/channels")
async def create_dm(api: RestApi, req: ApiRequest) -> Reply:
    user = api.emu.users.get(int(req.json.get("recipient_id", 0)))
    if user is None:
        raise not_found("User", 10013)
    return Reply(200, api.emu.dm_channel(user).payload())


async def _app(api: RestApi, req: ApiRequest) -> Reply:
    return Reply(200, api.emu.application_payload())


route("GET", "/applications/@me")(_app)
route("GET", "/oauth2/applications/@me")(_app)


@route("GET", "/gateway", auth=False)
async def get_gateway(api: RestApi, req: ApiRequest) -> Reply:
    return Reply(200, {"url": api.emu.gateway_url.rstrip("/")})


@route("GET", "/gateway/bot")
async def get_gateway_bot(api: RestApi, req: ApiRequest) -> Reply:
    limit = {"total": 1000, "remaining": 999, "reset_after": 86400000, "max_concurrency": 1}
    return Reply(200, {"url": api.emu.gateway_url.rstrip("/"), "shards": 1, "session_start_limit": limit})


# ---- application commands -----------------------------------------------------------------------------


def _scope(api: RestApi, req: ApiRequest) -> tuple[int | None, dict[str, dict[str, Any]]]:
    if req.params["application_id"] != str(api.emu.application_id):
        raise ApiError(403, 50001, "Missing Access")
    gid = req.params.get("guild_id")
    guild_id = api.guild(gid).id if gid else None
    return guild_id, api.emu._commands.setdefault(guild_id, {})


def _command(
    api: RestApi, guild_id: int | None, body: dict[str, Any], old: dict[str, Any] | None
) -> dict[str, Any]:
    cmd = {
        "id": old["id"] if old else str(snowflake()),
        "application_id": str(api.emu.application_id),
        "version": str(snowflake()),
        "type": body.get("type") or 1,
        "name": body["name"],
        "description": body.get("description") or "",
        "name_localizations": body.get("name_localizations"),
        "description_localizations": body.get("description_localizations"),
        "options": body.get("options") or [],
        "default_member_permissions": body.get("default_member_permissions"),
        "dm_permission": body.get("dm_permission", True),
        "contexts": body.get("contexts"),
        "integration_types": body.get("integration_types") or [0],
        "nsfw": bool(body.get("nsfw")),
    }
    if guild_id is not None:
        cmd["guild_id"] = str(guild_id)
    return cmd


async def _list_commands(api: RestApi, req: ApiRequest) -> Reply:
    _, store = _scope(api, req)
    return Reply(200, list(store.values()))


async def _bulk_commands(api: RestApi, req: ApiRequest) -> Reply:
    guild_id, store = _scope(api, req)
    new: dict[str, dict[str, Any]] = {}
    for body in req.json or []:
        key = f"{body.get('type') or 1}:{body['name']}"
        new[key] = _command(api, guild_id, body, store.get(key))
    store.clear()
    store.update(new)
    api.emu.command_syncs += 1
    api.emu._notify()
    return Reply(200, list(store.values()))


async def _create_command(api: RestApi, req: ApiRequest) -> Reply:
    guild_id, store = _scope(api, req)
    key = f"{req.json.get('type') or 1}:{req.json['name']}"
    existed = key in store
    store[key] = _command(api, guild_id, req.json, store.get(key))
    api.emu._notify()
    return Reply(200 if existed else 201, store[key])


def _find_command(store: dict[str, dict[str, Any]], cid: str) -> tuple[str, dict[str, Any]]:
    for key, cmd in store.items():
        if cmd["id"] == cid:
            return key, cmd
    raise not_found("application command", 10063)


async def _get_command(api: RestApi, req: ApiRequest) -> Reply:
    _, store = _scope(api, req)
    return Reply(200, _find_command(store, req.params["command_id"])[1])


async def _edit_command(api: RestApi, req: ApiRequest) -> Reply:
    guild_id, store = _scope(api, req)
    key, cmd = _find_command(store, req.params["command_id"])
    store[key] = _command(api, guild_id, cmd | req.json, cmd)
    return Reply(200, store[key])


async def _delete_command(api: RestApi, req: ApiRequest) -> Reply:
    _, store = _scope(api, req)
    key, _cmd = _find_command(store, req.params["command_id"])
    del store[key]
    return Reply(204)


for _prefix in ("/applications/{application_id}", "/applications/{application_id}/guilds/{guild_id}"):
    route("GET", _prefix + "/commands")(_list_commands)
    route("PUT", _prefix + "/commands")(_bulk_commands)
    route("POST", _prefix + "/commands")(_create_command)
    route("GET", _prefix + "/commands/{command_id}")(_get_command)
    route("PATCH", _prefix + "/commands/{command_id}")(_edit_command)
    route("DELETE", _prefix + "/commands/{command_id}")(_delete_command)


# ---- interactions and their webhooks ------------------------------------------------------------------


@route("POST", "/interactions/{interaction_id}/{interaction_token}/callback", auth=False)
async def interaction_callback(api: RestApi, req: ApiRequest) -> Reply:
    inter = api.emu._interactions_by_token.get(req.params["interaction_token"])
    if inter is None or str(inter.id) != req.params["interaction_id"]:
        raise ApiError(404, 10062, "Unknown interaction")
    cb = api.callback(inter, req.json or {}, req.files)
    if _truthy(req.query.get("with_response")):
        return Reply(200, api.callback_resource(inter, cb))
    return Reply(204)


@route("GET", "/webhooks/{application_id}/{token}/messages/@original", auth=False)
async def get_original(api: RestApi, req: ApiRequest) -> Reply:
    inter = api.interaction(req.params["application_id"], req.params["token"])
    return Reply(200, api.original(inter))


@route("PATCH", "/webhooks/{application_id}/{token}/messages/@original", auth=False)
async def edit_original(api: RestApi, req: ApiRequest) -> Reply:
    inter = api.interaction(req.params["application_id"], req.params["token"])
    msg = api.edit_message(api.original(inter), req.json or {}, req.files)
    inter.loading = False
    api.emu._notify()
    return Reply(200, msg)


@route("DELETE", "/webhooks/{application_id}/{token}/messages/@original", auth=False)
async def delete_original(api: RestApi, req: ApiRequest) -> Reply:
    inter = api.interaction(req.params["application_id"], req.params["token"])
    api.emu._delete_message(api.original(inter))
    return Reply(204)


@route("POST", "/webhooks/{application_id}/{token}", auth=False)
async def followup(api: RestApi, req: ApiRequest) -> Reply:
    inter = api.interaction(req.params["application_id"], req.params["token"])
    if inter.callback is None:
        api.emu._record_problem(
            "protocol", "POST", "/webhooks/…", "followup before the interaction was answered", req.json
        )
        raise not_found("Webhook", 10015)
    body = dict(req.json or {})
    if inter.loading and inter.original_id in api.emu._messages and not inter.followup_ids:
        # Discord turns the first followup after a deferral into the deferred ("thinking") message.
        msg = api.edit_message(api.emu._messages[inter.original_id], body, req.files)
        inter.loading = False
    else:
        channel = api.emu.channels[int(inter.payload["channel_id"])]
        body["flags"] = int(body.get("flags") or 0) & (EPHEMERAL | 4096 | 4 | 32768)
        msg = api.new_message(channel, body, req.files, interaction=inter)
    inter.followup_ids.append(int(msg["id"]))
    api.emu._notify()
    return Reply(200, msg) if _truthy(req.query.get("wait")) else Reply(204)


def _followup_message(api: RestApi, inter: Interaction, raw: str) -> dict[str, Any]:
    mid = _int(raw, "Message", 10008)
    if mid != inter.original_id and mid not in inter.followup_ids:
        raise not_found("Message", 10008)
    msg = api.emu._messages.get(mid)
    if msg is None:
        raise not_found("Message", 10008)
    return msg


@route("GET", "/webhooks/{application_id}/{token}/messages/{message_id}", auth=False)
async def get_followup(api: RestApi, req: ApiRequest) -> Reply:
    inter = api.interaction(req.params["application_id"], req.params["token"])
    return Reply(200, _followup_message(api, inter, req.params["message_id"]))


@route("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}", auth=False)
async def edit_followup(api: RestApi, req: ApiRequest) -> Reply:
    inter = api.interaction(req.params["application_id"], req.params["token"])
    msg = _followup_message(api, inter, req.params["message_id"])
    return Reply(200, api.edit_message(msg, req.json or {}, req.files))


@route("DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}", auth=False)
async def delete_followup(api: RestApi, req: ApiRequest) -> Reply:
    inter = api.interaction(req.params["application_id"], req.params["token"])
    api.emu._delete_message(_followup_message(api, inter, req.params["message_id"]))
    return Reply(204)


# ---- channels and messages ----------------------------------------------------------------------------


@route("GET", "/channels/{channel_id}")
async def get_channel(api: RestApi, req: ApiRequest) -> Reply:
    return Reply(200, api.channel(req.params["channel_id"]).payload())


@route("POST", "/channels/{channel_id}/messages")
async def create_message(api: RestApi, req: ApiRequest) -> Reply:
    channel = api.channel(req.params["channel_id"])
    api._check_send(channel)
    body = req.json or {}
    previous = api.nonce_lookup(channel, body)
    if previous is not None:
        return Reply(200, previous)
    msg = api.new_message(channel, body, req.files)
    api.nonce_store(channel, body, msg)
    return Reply(200, msg)


@route("GET", "/channels/{channel_id}/messages")
async def list_messages(api: RestApi, req: ApiRequest) -> Reply:
    channel = api.channel(req.params["channel_id"])
    msgs = sorted(api.emu.messages(channel.id), key=lambda m: int(m["id"]), reverse=True)
    limit = min(int(req.query.get("limit", 50)), 100)
    if "before" in req.query:
        msgs = [m for m in msgs if int(m["id"]) < int(req.query["before"])]
    if "after" in req.query:
        msgs = [m for m in msgs if int(m["id"]) > int(req.query["after"])]
        msgs = sorted(msgs, key=lambda m: int(m["id"]))[:limit][::-1]
    return Reply(200, msgs[:limit])


@route("GET", "/channels/{channel_id}/messages/{message_id}")
async def get_message(api: RestApi, req: ApiRequest) -> Reply:
    channel = api.channel(req.params["channel_id"])
    return Reply(200, api.message(channel, req.params["message_id"]))


@route("PATCH", "/channels/{channel_id}/messages/{message_id}")
async def edit_message(api: RestApi, req: ApiRequest) -> Reply:
    channel = api.channel(req.params["channel_id"])
    msg = api.message(channel, req.params["message_id"])
    if msg["author"]["id"] != str(api.emu.bot_user.id):
        raise ApiError(403, 50005, "Cannot edit a message authored by another user")
    return Reply(200, api.edit_message(msg, req.json or {}, req.files))


@route("DELETE", "/channels/{channel_id}/messages/{message_id}")
async def delete_message(api: RestApi, req: ApiRequest) -> Reply:
    channel = api.channel(req.params["channel_id"])
    api.emu._delete_message(api.message(channel, req.params["message_id"]))
    return Reply(204)


@route("POST", "/channels/{channel_id}/typing")
async def typing(api: RestApi, req: ApiRequest) -> Reply:
    api.channel(req.params["channel_id"])
    return Reply(204)


@route("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
async def add_reaction(api: RestApi, req: ApiRequest) -> Reply:
    channel = api.channel(req.params["channel_id"])
    api.message(channel, req.params["message_id"])
    return Reply(204)


@route("POST", "/channels/{channel_id}/threads")
async def create_thread(api: RestApi, req: ApiRequest) -> Reply:
    parent = api.channel(req.params["channel_id"])
    body = req.json or {}
    archive = int(body.get("auto_archive_duration") or 1440)
    if parent.type == GUILD_FORUM:
        if not isinstance(body.get("message"), dict):
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "message": {
                        "_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]
                    }
                },
            )
        tags = [int(t) for t in body.get("applied_tags") or []]
        known = {int(t["id"]) for t in parent.available_tags}
        if set(tags) - known:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                {"applied_tags": {"_errors": [{"code": "UNKNOWN_TAG", "message": "Unknown tag"}]}},
            )
        thread = api.new_thread(parent, body["name"], PUBLIC_THREAD, archive=archive, tags=tags)
        starter = api.new_message(thread, body["message"], req.files, message_id=thread.id)
        return Reply(201, thread.payload() | {"message": starter})
    if parent.type == DM or parent.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    ttype = int(body.get("type") or PRIVATE_THREAD)
    thread = api.new_thread(parent, body["name"], ttype, archive=archive)
    return Reply(201, thread.payload())


@route("POST", "/channels/{channel_id}/messages/{message_id}/threads")
async def thread_from_message(api: RestApi, req: ApiRequest) -> Reply:
    parent = api.channel(req.params["channel_id"])
    msg = api.message(parent, req.params["message_id"])
    if msg.get("thread"):
        raise ApiError(400, 160004, "A thread has already been created for this message")
    body = req.json or {}
    thread = api.new_thread(
        parent,
        body["name"],
        PUBLIC_THREAD,
        thread_id=int(msg["id"]),
        archive=int(body.get("auto_archive_duration") or 1440),
    )
    msg["flags"] |= HAS_THREAD
    msg["thread"] = thread.payload()
    return Reply(201, thread.payload())


# ---- guilds -------------------------------------------------------------------------------------------


@route("GET", "/guilds/{guild_id}")
async def get_guild(api: RestApi, req: ApiRequest) -> Reply:
    guild = api.guild(req.params["guild_id"])
    data = guild.payload()
    if _truthy(req.query.get("with_counts")):
        data |= {"approximate_member_count": len(guild.members), "approximate_presence_count": 0}
    return Reply(200, data)


@route("GET", "/guilds/{guild_id}/roles")
async def get_roles(api: RestApi, req: ApiRequest) -> Reply:
    return Reply(200, [r.payload() for r in api.guild(req.params["guild_id"]).roles.values()])


@route("GET", "/guilds/{guild_id}/channels")
async def get_guild_channels(api: RestApi, req: ApiRequest) -> Reply:
    guild = api.guild(req.params["guild_id"])
    return Reply(200, [c.payload() for c in guild.channels.values() if not c.is_thread])


@route("GET", "/guilds/{guild_id}/members/{user_id}")
async def get_member(api: RestApi, req: ApiRequest) -> Reply:
    guild = api.guild(req.params["guild_id"])
    member = guild.members.get(_int(req.params["user_id"], "Member", 10007))
    if member is None:
        raise not_found("Member", 10007)
    return Reply(200, member.payload())


@route("GET", "/guilds/{guild_id}/members")
async def list_members(api: RestApi, req: ApiRequest) -> Reply:
    guild = api.guild(req.params["guild_id"])
    limit = int(req.query.get("limit", 1))
    after = int(req.query.get("after", 0))
    members = sorted((m for m in guild.members.values() if m.user.id > after), key=lambda m: m.user.id)
    return Reply(200, [m.payload() for m in members[:limit]])


__all__ = ["ApiRequest", "Attachment", "Reply", "RestApi", "find_route"]
