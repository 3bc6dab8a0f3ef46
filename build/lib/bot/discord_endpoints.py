"""Point discord.py at another Discord (the test emulator) instead of discord.com.

discord.py builds every REST URL from ``discord.http.Route.BASE`` when a ``Route`` is created (the
interaction webhooks use the same ``Route``), and opens the gateway at
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (``Client.connect`` and ``AutoShardedClient`` with a
fixed shard count), adding ``?v=10&encoding=json&compress=...`` itself. After READY it reconnects to the
``resume_gateway_url`` the server sent, so the gateway override only has to cover the first connection.
"""

from __future__ import annotations

import logging

import discord.gateway
import discord.http
import yarl

from bot.errors import ConfigError

log = logging.getLogger(__name__)


def apply_endpoint_overrides(api_base: str | None, gateway: str | None) -> None:
    """Patch discord.py's REST base and/or gateway URL; ``None`` or empty leaves its default alone.

    ``api_base`` looks like ``http://127.0.0.1:PORT/api/v10``; ``gateway`` like ``ws://127.0.0.1:PORT/``.
    """
    if api_base:
        base = api_base.rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise ConfigError(f"Discord API base must be an http(s) URL, got {api_base!r}")
        discord.http.Route.BASE = base
        log.info("Discord REST API overridden: %s", base)
    if gateway:
        url = yarl.URL(gateway)
        if url.scheme not in ("ws", "wss") or not url.host:
            raise ConfigError(f"Discord gateway must be a ws(s) URL, got {gateway!r}")
        if not url.path:
            url = url.with_path("/")
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = url.with_query(None)
        log.info("Discord gateway overridden: %s", url)
