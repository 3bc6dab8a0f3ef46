"""The emulated Discord world: users, guilds, roles, channels, messages, and their wire payloads.

Payload builders return what Discord's API returns (strings for snowflakes, every key discord.py reads).
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1420070400000

# Channel types.
GUILD_TEXT = 0
DM = 1
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_FORUM = 15

ALL_PERMISSIONS = (1 << 53) - 1
ADMINISTRATOR = 1 << 3
# What @everyone gets in a fresh guild (view, send, read history, use commands, embed, attach, ...).
DEFAULT_EVERYONE_PERMISSIONS = 0x0000_0006_3E6B_FE41 & ~ADMINISTRATOR

_counter = itertools.count(1)


def snowflake() -> int:
    """A fresh, time-ordered Discord id."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (next(_counter) & 0x3FFFFF)


def iso_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def token() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
            "collectibles": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class Role:
    id: int
    name: str
    permissions: int = 0
    position: int = 1
    color: int = 0
    managed: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "description": None,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass
class Member:
    user: User
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class Channel:
    id: int
    type: int
    name: str
    guild_id: int | None = None
    parent_id: int | None = None
    position: int = 0
    topic: str | None = None
    owner_id: int | None = None
    available_tags: list[dict[str, Any]] = field(default_factory=list)
    applied_tags: list[int] = field(default_factory=list)
    last_message_id: int | None = None
    recipients: list[User] = field(default_factory=list)
    auto_archive_duration: int = 1440
    archived: bool = False
    created_at: str = field(default_factory=iso_now)
    message_count: int = 0

    @property
    def is_thread(self) -> bool:
        return self.type in (PUBLIC_THREAD, PRIVATE_THREAD, 10)

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
            "flags": 0,
        }
        if self.type == DM:
            data["recipients"] = [u.payload() for u in self.recipients]
            return data
        data.update(
            {
                "guild_id": str(self.guild_id),
                "name": self.name,
                "parent_id": str(self.parent_id) if self.parent_id else None,
                "rate_limit_per_user": 0,
            }
        )
        if self.is_thread:
            data.update(
                {
                    "owner_id": str(self.owner_id) if self.owner_id else None,
                    "thread_metadata": {
                        "archived": self.archived,
                        "archive_timestamp": self.created_at,
                        "auto_archive_duration": self.auto_archive_duration,
                        "locked": False,
                        "create_timestamp": self.created_at,
                    },
                    "message_count": self.message_count,
                    "member_count": 1,
                    "total_message_sent": self.message_count,
                    "applied_tags": [str(t) for t in self.applied_tags],
                }
            )
            return data
        data.update(
            {
                "position": self.position,
                "permission_overwrites": [],
                "nsfw": False,
                "topic": self.topic,
            }
        )
        if self.type == GUILD_FORUM:
            data.update(
                {
                    "available_tags": self.available_tags,
                    "default_reaction_emoji": None,
                    "default_sort_order": None,
                    "default_forum_layout": 0,
                    "default_thread_rate_limit_per_user": 0,
                    "default_auto_archive_duration": 1440,
                }
            )
        return data


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    locale: str = "en-US"
    joined_at: str = field(default_factory=iso_now)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def base_permissions(self, user_id: int) -> int:
        """Guild-level permissions (no channel overwrites are modelled)."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.members.get(user_id)
        perms = self.everyone.permissions
        if member is not None:
            for role_id in member.roles:
                role = self.roles.get(role_id)
                if role is not None:
                    perms |= role.permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def payload(self) -> dict[str, Any]:
        """The guild object of ``GET /guilds/{id}``."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "description": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "features": [],
            "owner_id": str(self.owner_id),
            "application_id": None,
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "roles": [r.payload() for r in self.roles.values()],
            "default_message_notifications": 0,
            "mfa_level": 0,
            "explicit_content_filter": 0,
            "max_presences": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.locale,
            "rules_channel_id": None,
            "safety_alerts_channel_id": None,
            "public_updates_channel_id": None,
            "hub_type": None,
            "premium_progress_bar_enabled": False,
            "nsfw": False,
            "nsfw_level": 0,
            "emojis": [],
            "stickers": [],
            "incidents_data": None,
        }

    def gateway_payload(self) -> dict[str, Any]:
        """The GUILD_CREATE dispatch: the guild plus channels, threads, members and the rest."""
        data = self.payload()
        data.update(
            {
                "unavailable": False,
                "large": False,
                "lazy": True,
                "member_count": len(self.members),
                "joined_at": self.joined_at,
                "channels": [c.payload() for c in self.channels.values() if not c.is_thread],
                "threads": [c.payload() for c in self.channels.values() if c.is_thread and not c.archived],
                "members": [m.payload() for m in self.members.values()],
                "presences": [],
                "voice_states": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
                "embedded_activities": [],
                "application_command_counts": {},
                "version": int(time.time() * 1000),
            }
        )
        return data


@dataclass
class Attachment:
    """A file the emulator serves at ``/attachments/...`` (uploaded by the bot or injected by a test)."""

    id: int
    filename: str
    content_type: str
    data: bytes
    url: str
    description: str | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
        }
        if self.description is not None:
            data["description"] = self.description
        return data
