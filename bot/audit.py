"""The activity log: every change made through the panel or slash commands (who, what, when).

Recording never fails the change it describes: a store error is logged and the action stands."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.store.base import ArticleStore

log = logging.getLogger(__name__)

DETAIL_MAX = 500


@dataclass(slots=True)
class AuditEntry:
    guild_id: int | None  # None: the operator's global library
    actor: str  # "discord:<user id>" or "cli" / "local"
    actor_name: str  # a display name at the time of the change
    via: str  # "panel" or "discord"
    action: str  # e.g. "feed.add", "topic.pause", "settings.update"
    detail: str = ""
    created_at: datetime | None = None
    id: int = 0


async def record(
    store: ArticleStore,
    guild_id: int | None,
    actor: str,
    actor_name: str,
    via: str,
    action: str,
    detail: str = "",
) -> None:
    entry = AuditEntry(guild_id, actor, actor_name[:100], via, action, " ".join(detail.split())[:DETAIL_MAX])
    entry.created_at = datetime.now(UTC)
    try:
        await store.add_audit(entry)
    except Exception:
        log.warning("activity not recorded", exc_info=True, extra={"action": action})
