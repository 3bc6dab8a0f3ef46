"""A bot operated as an operator runs it, for the end-to-end topic and feed tests: `newsbot run` as a
subprocess pointed at the Discord emulator through its environment, a SQLite file of its own, the CLI
against the same file for seeding articles and reading state, and the test clock
(NEWSBOT_FAKE_NOW_FILE) so a schedule days ahead is reached in seconds."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest_asyncio

from tests.emulator import DiscordEmulator, Interaction

REPO = Path(__file__).resolve().parents[2]
NEWSBOT = REPO / ".venv" / "bin" / "newsbot"


_WORDS = (
    "budget harbour tunnel museum library stadium orchard bridge railway clinic market canal airport "
    "school theatre reservoir quarry pier lighthouse tramway brewery mill garden observatory depot"
).split()


def story(topic: str, speaker: str, n: int = 0) -> str:
    """A plain-text article about `topic`, different enough per `n` not to count as a near-duplicate."""
    words = [_WORDS[(n * 7 + i) % len(_WORDS)] for i in range(12)]
    return "\n\n".join(
        [
            f"The {topic} dominated the meeting about the {words[0]} and the {words[1]} on day {n}.",
            f'"The {words[2]} and the {words[3]} come first," said {speaker}, who wrote report {n}.',
            f"Critics of the {topic} said the {words[4]} costs had not been explained and the {words[5]} was late.",
            f'"We will publish the {words[6]} figures before the {words[7]} vote," {speaker} said in session {n}.',
            f"A decision on the {topic}, the {words[8]}, the {words[9]} and the {words[10]} is due after round {n}.",
            f"Residents near the {words[11]} said they would follow debate number {n} closely.",
        ]
    )


class OperatedBot:
    """One database, one clock file and the `newsbot run` processes started against them, one at a time."""

    def __init__(self, tmp: Path, emu: DiscordEmulator, extra_env: dict[str, str] | None = None) -> None:
        self.tmp = tmp
        self.emu = emu
        self.db = tmp / "news.db"
        self.clock_file = tmp / "now.txt"
        self.log = tmp / "bot.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.env = (
            dict(os.environ)
            | emu.env()
            | {
                "NEWSBOT_DB": str(self.db),
                "NEWSBOT_FAKE_NOW_FILE": str(self.clock_file),
                "NEWSBOT_LOG_LEVEL": "INFO",
                "PYTHONPATH": str(REPO),
            }
            | (extra_env or {})
        )
        self._articles = 0

    # --- time ------------------------------------------------------------------------------------------
    def set_clock(self, when: datetime) -> None:
        """The bot's clock reads `when` now and runs on in real time (atomic: never a half-written file)."""
        part = self.clock_file.with_suffix(".part")
        part.write_text(when.isoformat())
        os.replace(part, self.clock_file)

    # --- process ---------------------------------------------------------------------------------------
    async def start(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        assert self.proc is None or self.proc.returncode is not None, "already running"
        assert self.clock_file.exists(), "set the clock first: without it the bot would use real time"
        seen = len(self.emu.connections)
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                str(NEWSBOT), "run", env=self.env, cwd=self.tmp, stdout=out, stderr=asyncio.subprocess.STDOUT
            )
        proc = self.proc

        def up_or_dead() -> bool:
            return proc.returncode is not None or (
                len(self.emu.connections) > seen and self.emu.connected and self.emu.command_syncs > 0
            )

        try:
            await self.emu.wait_until(up_or_dead, timeout, "the bot to connect")
            if proc.returncode is not None:
                raise TimeoutError
        except TimeoutError:
            await self.kill()
            raise AssertionError("the bot did not come up:\n" + self.log_text()[-4000:]) from None

    async def stop(self) -> int:
        """SIGTERM, as systemd stops it; returns the exit code."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        code = self.proc.returncode
        assert code is not None
        await self._gone()
        return code

    def kill_now(self) -> None:
        """SIGKILL at once (synchronous: usable inside an emulator request handler)."""
        if self.proc is not None and self.proc.returncode is None:
            os.kill(self.proc.pid, signal.SIGKILL)

    async def kill(self) -> None:
        self.kill_now()
        if self.proc is not None:
            await self.proc.wait()
            await self._gone()

    async def _gone(self) -> None:
        await self.emu.wait_until(lambda: not self.emu.connected, 10, "the gateway connection to close")

    async def recorded(self, posts: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until the bot has recorded `posts` digests in all (Discord has the message a moment earlier)."""
        await self.emu.wait_until(
            lambda: self.log_text().count("digest posted") >= posts, timeout, f"{posts} digest(s) recorded"
        )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def problems(self) -> list[str]:
        """Log lines that mean something went wrong (errors, tracebacks, digests that had to be retried)."""
        bad = ("ERROR", "Traceback", "CRITICAL", "digest not delivered", "topic paused")
        return [line for line in self.log_text().splitlines() if any(b in line for b in bad)]

    # --- the CLI ---------------------------------------------------------------------------------------
    async def cli(self, *args: str) -> list[dict[str, Any]]:
        """Run `newsbot ARGS` against the same database; the JSON lines it printed."""
        proc = await asyncio.create_subprocess_exec(
            str(NEWSBOT),
            *args,
            env=self.env,
            cwd=self.tmp,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        assert proc.returncode == 0, (
            f"newsbot {' '.join(args)} exited {proc.returncode}: {err.decode()[-2000:]}"
        )
        return [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]

    async def ingest(self, title: str, body: str, guild: int | None = None) -> int:
        """Store one article through `newsbot ingest` (a text file: its first line is the title)."""
        self._articles += 1
        path = self.tmp / f"article-{self._articles}.txt"
        path.write_text(f"{title}\n\n{body}\n")
        rows = await self.cli("ingest", str(path), "--json", *(["--guild", str(guild)] if guild else []))
        assert len(rows) == 1 and rows[0]["status"] == "created", rows
        return int(rows[0]["id"])

    async def topics(self) -> list[dict[str, Any]]:
        return await self.cli("topics", "list")

    # --- interactions ----------------------------------------------------------------------------------
    async def ask(
        self, name: str, options: dict[str, Any] | None = None, **where: Any
    ) -> tuple[Interaction, str]:
        """Invoke a slash command; the text of the (ephemeral) answer."""
        inter = await self.emu.invoke(name, options or {}, **where)
        cb = await self.emu.wait_response(inter, timeout=10)
        if cb.type == 5:
            msg = await self.emu.wait_original(inter, timeout=20)
            return inter, str(msg.get("content") or "")
        assert cb.type == 4 and cb.data is not None, cb
        return inter, str(cb.data.get("content") or "")


@pytest_asyncio.fixture
async def operated(emulator: DiscordEmulator, tmp_path: Path) -> AsyncIterator[OperatedBot]:
    """The bot's files in a temporary folder; a bot still running at the end must stop cleanly on SIGTERM."""
    bot = OperatedBot(tmp_path, emulator, {"NEWSBOT_FETCH_ALLOW": "127.0.0.1"})
    try:
        yield bot
    finally:
        if bot.proc is not None and bot.proc.returncode is None:
            code = await bot.stop()
            assert code == 0, f"newsbot run exited {code} on SIGTERM:\n{bot.log_text()[-3000:]}"


def digests(messages: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The digest messages (their header line) among a channel's public messages (not ephemeral answers)."""
    return [m for m in messages if "📰" in (m.get("content") or "") and not int(m.get("flags") or 0) & 64]
