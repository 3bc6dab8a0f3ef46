"""Interaction payloads as Discord sends them, and the record of what the bot answered.

The payload carries everything discord.py reads: member with a permissions string, app_permissions,
guild and channel objects, locale, entitlements, authorizing_integration_owners, context, resolved data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .state import DM, Attachment, Channel, Guild, Member, Role, User, snowflake, token

# Interaction types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5

# Option types.
(
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    STRING,
    INTEGER,
    BOOLEAN,
    USER,
    CHANNEL,
    ROLE,
    MENTIONABLE,
    NUMBER,
    ATTACHMENT,
) = range(1, 12)


@dataclass
class Callback:
    """The bot's initial response: callback ``type`` (4, 5, 6, 7, 8, 9...) and its ``data``."""

    type: int
    data: dict[str, Any] | None
    message: dict[str, Any] | None = None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Interaction:
    """An interaction the emulator sent, and everything the bot did about it."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    sent_at: float = field(default_factory=time.monotonic)
    callback: Callback | None = None
    original_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    loading: bool = False
    shards: list[tuple[int, int]] = field(default_factory=list)  # the sessions it was dispatched to


class OptionError(ValueError):
    """A test named an option or subcommand the synced command does not have."""


def _resolve_value(
    opt_type: int, value: Any, guild: Guild | None, resolved: dict[str, dict[str, Any]]
) -> Any:
    if opt_type in (USER, MENTIONABLE) and isinstance(value, User | Member):
        user = value.user if isinstance(value, Member) else value
        resolved.setdefault("users", {})[str(user.id)] = user.payload()
        member = value if isinstance(value, Member) else (guild.members.get(user.id) if guild else None)
        if member is not None and guild is not None:
            resolved.setdefault("members", {})[str(user.id)] = member.payload(with_user=False) | {
                "permissions": str(guild.base_permissions(user.id))
            }
        return str(user.id)
    if opt_type in (ROLE, MENTIONABLE) and isinstance(value, Role):
        resolved.setdefault("roles", {})[str(value.id)] = value.payload()
        return str(value.id)
    if opt_type == CHANNEL and isinstance(value, Channel):
        payload = value.payload()
        payload["permissions"] = str(guild.base_permissions(0)) if guild else "0"
        resolved.setdefault("channels", {})[str(value.id)] = payload
        return str(value.id)
    if opt_type == ATTACHMENT and isinstance(value, Attachment):
        resolved.setdefault("attachments", {})[str(value.id)] = value.payload()
        return str(value.id)
    if opt_type == INTEGER:
        return int(value)
    if opt_type == NUMBER:
        return float(value)
    if opt_type == BOOLEAN:
        return bool(value)
    if opt_type == STRING:
        return str(value)
    if isinstance(value, int | str):
        return str(value)
    raise OptionError(f"cannot pass {value!r} as an option of type {opt_type}")


def build_command_data(
    command: dict[str, Any],
    path: list[str],
    options: dict[str, Any],
    guild: Guild | None,
    *,
    focused: str | None = None,
) -> dict[str, Any]:
    """``data`` of an APPLICATION_COMMAND (or AUTOCOMPLETE when ``focused`` names the option being typed)."""
    resolved: dict[str, dict[str, Any]] = {}
    defs: list[dict[str, Any]] = command.get("options") or []
    top: list[dict[str, Any]] = []
    target = top
    for name in path:
        sub = next(
            (o for o in defs if o["name"] == name and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)), None
        )
        if sub is None:
            raise OptionError(f"/{command['name']} has no subcommand {name!r}")
        entry: dict[str, Any] = {"name": name, "type": sub["type"], "options": []}
        target.append(entry)
        target = entry["options"]
        defs = sub.get("options") or []
    known = {o["name"]: o for o in defs}
    for name, value in options.items():
        spec = known.get(name)
        if spec is None:
            raise OptionError(
                f"/{command['name']} {' '.join(path)} has no option {name!r}; it has {sorted(known)}"
            )
        opt: dict[str, Any] = {"name": name, "type": spec["type"]}
        if name == focused:
            opt["value"] = str(value)
            opt["focused"] = True
        else:
            opt["value"] = _resolve_value(spec["type"], value, guild, resolved)
        target.append(opt)
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": command.get("type", 1)}
    if top:
        data["options"] = top
    elif target:
        data["options"] = target
    if resolved:
        data["resolved"] = resolved
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    return data


def envelope(
    *,
    application_id: int,
    interaction_type: int,
    data: dict[str, Any] | None,
    guild: Guild | None,
    channel: Channel,
    user: User,
    bot_user: User,
    locale: str = "en-US",
    message: dict[str, Any] | None = None,
) -> tuple[int, str, dict[str, Any]]:
    """The full INTERACTION_CREATE payload; returns (id, token, payload)."""
    interaction_id = snowflake()
    itoken = "aW50ZXJhY3Rpb246" + token() + token()
    channel_payload = channel.payload()
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": interaction_type,
        "token": itoken,
        "version": 1,
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": 26214400,
        "channel_id": str(channel.id),
    }
    if data is not None:
        payload["data"] = data
    if guild is not None and channel.type != DM:
        member = guild.members.get(user.id) or Member(user=user)
        perms = guild.base_permissions(user.id)
        channel_payload["permissions"] = str(perms)
        payload.update(
            {
                "guild_id": str(guild.id),
                "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
                "guild_locale": guild.locale,
                "member": member.payload() | {"permissions": str(perms)},
                "app_permissions": str(guild.base_permissions(bot_user.id)),
                "authorizing_integration_owners": {"0": str(guild.id)},
                "context": 0,
            }
        )
    else:
        payload.update(
            {
                "user": user.payload(),
                "app_permissions": str(0x0000_0006_0000_C800 | (1 << 31)),
                "authorizing_integration_owners": {"0": "0", "1": str(user.id)},
                "context": 1,
            }
        )
    payload["channel"] = channel_payload
    if message is not None:
        payload["message"] = message
    return interaction_id, itoken, payload


def modal_submit_components(modal: dict[str, Any], values: dict[str, str]) -> list[dict[str, Any]]:
    """Mirror the modal the bot sent, filling text inputs from ``values`` (by custom_id)."""
    out: list[dict[str, Any]] = []
    for comp in modal.get("components") or []:
        if comp.get("type") == 1:
            inner = [_submitted(c, values) for c in comp.get("components") or []]
            out.append({"type": 1, "id": comp.get("id", 0), "components": inner})
        elif comp.get("type") == 18:
            out.append(
                {"type": 18, "id": comp.get("id", 0), "component": _submitted(comp["component"], values)}
            )
        elif comp.get("type") == 10:
            out.append({"type": 10, "id": comp.get("id", 0)})
    missing = set(values) - _custom_ids(modal)
    if missing:
        raise OptionError(f"the modal has no inputs {sorted(missing)}")
    return out


def _custom_ids(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("custom_id"), str) and node.get("type") in (3, 4, 5, 6, 7, 8, 19):
            found.add(node["custom_id"])
        for value in node.values():
            found |= _custom_ids(value)
    elif isinstance(node, list):
        for value in node:
            found |= _custom_ids(value)
    return found


def _submitted(comp: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    custom_id = comp.get("custom_id", "")
    if comp.get("type") == 4:
        return {
            "type": 4,
            "id": comp.get("id", 0),
            "custom_id": custom_id,
            "value": values.get(custom_id, comp.get("value") or ""),
        }
    raw: Any = values.get(custom_id, [])
    return {"type": comp.get("type"), "id": comp.get("id", 0), "custom_id": custom_id, "values": list(raw)}
