"""Leases on due work, so any number of processes over one database run each digest and feed poll once.

A process claims due items through the store (`claim_due`: atomic, `FOR UPDATE SKIP LOCKED` on
PostgreSQL, one write transaction on SQLite), renews everything it holds every third of the lease while
it lives, and releases an item when done. A process that dies stops renewing: its leases run out and
another process claims the work. What a dead holder already did is safe to redo: a digest keeps its
pending messages and nonces in the store (Discord's `enforce_nonce` returns the first message for a
resend), a feed keeps its seen items.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from datetime import datetime, timedelta

from bot.errors import ConfigError
from bot.store.base import ArticleStore
from bot.timer import Clock

log = logging.getLogger(__name__)

LEASE_ENV = "NEWSBOT_LEASE_SECONDS"
DEFAULT_LEASE = 60.0
LOCAL_OWNER = "local"


def lease_seconds(environ: dict[str, str] | None = None) -> float:
    env = os.environ if environ is None else environ
    raw = env.get(LEASE_ENV, "")
    if not raw:
        return DEFAULT_LEASE
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{LEASE_ENV} must be a number of seconds, not {raw!r}") from None
    if not 3 <= value <= 3600:
        raise ConfigError(f"{LEASE_ENV} must be between 3 and 3600 seconds")
    return value


def process_owner() -> str:
    """A name for this process's leases: host, pid and a random part (pids repeat across restarts)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


class LeaseKeeper:
    """This process's claims: who it is, how long a lease lasts, and the heartbeat that renews them."""

    def __init__(
        self, store: ArticleStore, clock: Clock, *, owner: str | None = None, seconds: float | None = None
    ) -> None:
        self.store = store
        self.clock = clock
        # one SQLite process at a time: the same name across restarts, so a restart after a crash takes
        # over its own leftover leases at once instead of waiting for them to run out
        self.owner = owner or (process_owner() if store.shared else LOCAL_OWNER)
        self.seconds = seconds if seconds is not None else lease_seconds()

    def until(self, now: datetime | None = None) -> datetime:
        return (now or self.clock.now()) + timedelta(seconds=self.seconds)

    async def claim_due(self, kind: str, limit: int) -> list[int]:
        now = self.clock.now()
        return await self.store.claim_due(kind, now, self.owner, self.until(now), limit=limit)

    async def claim(self, kind: str, item_id: int) -> bool:
        now = self.clock.now()
        return await self.store.claim(kind, item_id, self.owner, now, self.until(now))

    async def release(self, kind: str, item_id: int) -> None:
        try:
            await self.store.release_claim(kind, item_id, self.owner)
        except Exception:  # the lease runs out by itself; the work is done
            log.warning("could not release a lease", extra={"kind": kind, "item_id": item_id})

    async def heartbeat(self) -> None:
        """Renew this process's leases until cancelled; a failed renewal is retried next beat."""
        while True:
            await asyncio.sleep(self.seconds / 3)
            try:
                await self.store.renew_claims(self.owner, self.until())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("lease renewal failed; retrying", exc_info=True)
