"""Settings from the environment and an optional `.env` (python-discord style: one place, read once)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from bot.errors import ConfigError

DEFAULT_DB = "newsbot.db"
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None = None
    db_path: str = DEFAULT_DB
    fetch_allow: str = ""
    sync_guild: int | None = None
    log_level: str = "INFO"
    admin_roles: tuple[str, ...] = ()
    discord_api: str | None = None
    discord_gateway: str | None = None
    page_timeout: float = 180.0  # seconds before paging buttons are disabled
    defer_after: float = 1.5  # seconds of work before a command shows "thinking" (Discord allows 3)
    upload_max_items: int = 10_000  # articles read from one /ingest file upload; the rest is refused
    upload_max_mb: int = 50  # largest /ingest file attachment (Discord allows 10 MB, 50 or 100 when boosted)
    panel_url: str | None = None  # the web panel's public base URL; set = `newsbot run` serves the panel
    panel_bind: str = "127.0.0.1:8080"
    oauth_secret: str | None = None
    panel_secret: str | None = None  # key for the session cookie; derived from the secrets when unset
    discord_authorize_url: str = "https://discord.com/oauth2/authorize"

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
        """The process environment wins over `.env`, which only fills gaps."""
        values: dict[str, str] = {}
        if env_file and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            value = values.get(name, "").strip()
            return value or None

        sync_guild = get("NEWSBOT_SYNC_GUILD")
        if sync_guild is not None and not sync_guild.isdigit():
            raise ConfigError(f"NEWSBOT_SYNC_GUILD must be a server id (digits), not {sync_guild!r}")
        level = (get("NEWSBOT_LOG_LEVEL") or "INFO").upper()
        if level not in LOG_LEVELS:
            raise ConfigError(f"NEWSBOT_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
        page_timeout = get("NEWSBOT_PAGE_TIMEOUT") or "180"
        try:
            timeout = max(1.0, float(page_timeout))
        except ValueError:
            raise ConfigError(
                f"NEWSBOT_PAGE_TIMEOUT must be a number of seconds, not {page_timeout!r}"
            ) from None
        defer_raw = get("NEWSBOT_DEFER_AFTER") or "1.5"
        try:
            defer_after = min(max(0.0, float(defer_raw)), 2.5)
        except ValueError:
            raise ConfigError(f"NEWSBOT_DEFER_AFTER must be a number of seconds, not {defer_raw!r}") from None
        max_items_raw = get("NEWSBOT_UPLOAD_MAX_ITEMS") or "10000"
        if not max_items_raw.isdigit() or int(max_items_raw) < 1:
            raise ConfigError(
                f"NEWSBOT_UPLOAD_MAX_ITEMS must be a whole number of articles (1 or more), not {max_items_raw!r}"
            )
        max_mb_raw = get("NEWSBOT_UPLOAD_MAX_MB") or "50"
        if not max_mb_raw.isdigit() or not 1 <= int(max_mb_raw) <= 1000:
            raise ConfigError(
                f"NEWSBOT_UPLOAD_MAX_MB must be a whole number of MB from 1 to 1000, not {max_mb_raw!r}"
            )
        roles = tuple(r.strip() for r in (get("NEWSBOT_ADMIN_ROLES") or "").split(",") if r.strip())
        fetch_allow = get("NEWSBOT_FETCH_ALLOW") or ""
        if fetch_allow:  # checked here so a typo stops every command at once, not the first fetch
            from bot.ingest.netguard import AddressAllowList

            AddressAllowList.from_setting(fetch_allow)
        panel_url = (get("NEWSBOT_PANEL_URL") or "").rstrip("/") or None
        if panel_url is not None and not panel_url.startswith(("http://", "https://")):
            raise ConfigError(f"NEWSBOT_PANEL_URL must start with http:// or https://, not {panel_url!r}")
        panel_bind = get("NEWSBOT_PANEL_BIND") or "127.0.0.1:8080"
        host, _, port = panel_bind.rpartition(":")
        if not host or not port.isdigit() or int(port) > 65535:
            raise ConfigError(f"NEWSBOT_PANEL_BIND must be HOST:PORT, not {panel_bind!r}")
        return cls(
            token=get("DISCORD_TOKEN"),
            db_path=get("NEWSBOT_DB") or DEFAULT_DB,
            fetch_allow=fetch_allow,
            sync_guild=int(sync_guild) if sync_guild else None,
            log_level=level,
            admin_roles=roles,
            discord_api=get("NEWSBOT_DISCORD_API"),
            discord_gateway=get("NEWSBOT_DISCORD_GATEWAY"),
            page_timeout=timeout,
            defer_after=defer_after,
            upload_max_items=int(max_items_raw),
            upload_max_mb=int(max_mb_raw),
            panel_url=panel_url,
            panel_bind=panel_bind,
            oauth_secret=get("NEWSBOT_OAUTH_SECRET"),
            panel_secret=get("NEWSBOT_PANEL_SECRET"),
            discord_authorize_url=get("NEWSBOT_DISCORD_AUTHORIZE_URL")
            or "https://discord.com/oauth2/authorize",
        )


# Loggers whose records an operator reads. Everything else is library chatter (trafilatura's
# "discarding data: None", htmldate, courlan, charset detection...): the one-line result newsbot prints
# already says what went wrong, so those show only at DEBUG (-v / NEWSBOT_LOG_LEVEL=DEBUG).
OPERATOR_LOGGERS = ("bot", "cogs", "discord", "asyncio", "py.warnings", "__main__", "root")


def setup_logging(level: str = "INFO") -> None:
    """Key=value records on stderr: greppable in journald and easy to correlate in an incident."""
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s%(context)s",
    )
    for handler in logging.getLogger().handlers:
        for old in [
            f for f in handler.filters if isinstance(f, _ContextFilter | _LibraryFilter | _RedactFilter)
        ]:
            handler.removeFilter(old)
        handler.addFilter(_ContextFilter())
        handler.addFilter(_RedactFilter())
        if level != "DEBUG":
            handler.addFilter(_LibraryFilter())


# An interaction token lets anyone answer (or edit answers to) that interaction for 15 minutes: discord.py
# logs REST routes and gateway payloads at DEBUG, so the tokens in both are masked before any handler.
_TOKEN_IN_ROUTE = re.compile(r"(/(?:interactions|webhooks)/\d+/)[A-Za-z0-9_.\-]{20,}")
_TOKEN_IN_PAYLOAD = re.compile(r"""((?:'|")token(?:'|")\s*:\s*(?:'|"))[^'"]+""")


class _RedactFilter(logging.Filter):
    """Masks interaction/webhook tokens in a record's message (and its arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's own business
            return True
        masked = _TOKEN_IN_PAYLOAD.sub(r"\1<redacted>", _TOKEN_IN_ROUTE.sub(r"\1<token>", message))
        if masked != message:
            record.msg, record.args = masked, None
        return True


class _LibraryFilter(logging.Filter):
    """Drops third-party records below CRITICAL (see OPERATOR_LOGGERS)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.split(".", 1)[0] in OPERATOR_LOGGERS or record.levelno >= logging.CRITICAL


_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "context",
}


class _ContextFilter(logging.Filter):
    """Renders `extra={...}` fields as ` key=value` after the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}
        record.context = "".join(f" {k}={v!r}" for k, v in extras.items())
        return True
