"""Issue 12, finding 3 through the emulator: a 1.5-million-line gzipped upload in one server while another
server's members keep asking. Shared by the test (which asserts every command is answered) and by
bench/upload_burst.py (which prints the response times and the bot's peak memory)."""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.cogs.conftest import World

# The reported shape: 1.5 million tiny lines (16.5 MB, inside the 20 MB a file may expand to) in a gzip
# of about 16 KB; each line is an item that fails at once, so the old code never yielded between them.
TINY = '{"text":1}'
# An article-like line: every item goes through extraction, dedupe and a store write (a duplicate).
ARTICLE = json.dumps(
    {"title": "Flood", "text": "The same short line, over and over, a million and a half times."}
)


def flood(lines: int = 1_500_000, line: str = TINY) -> bytes:
    return gzip.compress(("\n".join([line] * lines) + "\n").encode(), 9)


@dataclass
class Burst:
    latencies: list[float] = field(default_factory=list)  # seconds from interaction to first response
    unanswered: int = 0
    upload_title: str = ""
    upload_text: str = ""
    upload_seconds: float = 0.0
    ran_throughout: bool = False  # the upload was still "thinking" when server B's last answer came


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run_burst(
    world: World,
    commands: int = 50,
    data: bytes | None = None,
    *,
    wait_upload: bool = True,
    spacing: float = 0.05,
) -> Burst:
    """Server A's admin uploads `data`; then server B's owner sends `commands` /summary commands, one
    `spacing` seconds apart, each waited for up to 15 s."""
    owner_b = world.emu.users[world.other.owner_id]
    att = world.emu.add_attachment(data or flood(), "flood.jsonl.gz", "application/gzip")
    out = Burst()
    started = time.perf_counter()
    upload = await world.emu.invoke("ingest file", {"file": att}, user=world.admin)
    await world.emu.wait_response(upload, timeout=10)  # deferred: the upload is under way
    for _ in range(commands):
        t0 = time.perf_counter()
        inter = await world.emu.invoke(
            "summary", {"article": str(world.ids["seed"])}, guild=world.other, user=owner_b
        )
        try:
            await world.emu.wait_response(inter, timeout=15)
            out.latencies.append(time.perf_counter() - t0)
        except (TimeoutError, AssertionError):
            out.unanswered += 1
        await asyncio.sleep(spacing)
    out.ran_throughout = upload.loading
    if not wait_upload:
        return out
    await world.emu.wait_original(upload, timeout=600)

    def answer() -> dict[str, Any] | None:
        # The original may carry progress lines ("⏳ ... items done…"); the outcome is the message with an embed.
        ids = [upload.original_id, *upload.followup_ids]
        found = [world.emu.message(i) for i in ids if i is not None]
        return next((m for m in found if m and m.get("embeds")), None)

    msg = await world.emu.wait_until(answer, 600, "the upload's outcome")
    out.upload_seconds = time.perf_counter() - started
    out.upload_title = msg["embeds"][0]["title"]
    out.upload_text = msg["embeds"][0].get("description", "")
    return out
