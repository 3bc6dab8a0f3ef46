"""A 50 MB archive uploaded with /ingest file to a scaled-out deployment: one gateway process (`newsbot run
--shards 0 --shard-count 1`) and one `newsbot worker` on a fresh PostgreSQL database, through the Discord
emulator. While the worker ingests, another server's member keeps asking /summary; prints their response
times, how long the upload took to be answered, what was stored, and the peak memory (VmHWM) of the
gateway process (which never downloads the file) and of the worker (which spools it to a temporary file).

    .venv/bin/python bench/upload_worker.py [--mb 50] [--line-kb 50] [--commands 40]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.cogs.burst import peak_rss_mb  # noqa: E402
from tests.emulator import DiscordEmulator  # noqa: E402
from tests.topics.e2e import NEWSBOT, story  # noqa: E402


def archive(megabytes: int, line_kb: int) -> bytes:
    """JSONL lines of about `line_kb` KB each (distinct reports), just under `megabytes` MB in all (the
    size limit's own unit)."""
    lines: list[str] = []
    size, n = 0, 0
    while True:
        paragraphs = []
        while sum(len(p) for p in paragraphs) < line_kb * 1024:
            paragraphs.append(story(f"port authority {len(lines)}", "Engineer Li Wei", n))
            n += 1
        line = json.dumps({"title": f"Quay report {len(lines)}", "text": "\n\n".join(paragraphs)})
        if size + len(line) + 1 > megabytes * 1024 * 1024:
            return ("\n".join(lines) + "\n").encode()
        lines.append(line)
        size += len(line) + 1


async def database(server: str, name: str, *, drop: bool = False) -> str:
    con = await asyncpg.connect(server)
    try:
        await con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop:
            await con.execute(f'CREATE DATABASE "{name}"')
    finally:
        await con.close()
    return server.rsplit("/", 1)[0] + "/" + name


async def main(megabytes: int, line_kb: int, commands: int, server: str) -> None:
    data = archive(megabytes, line_kb)
    db = await database(server, "newsbot_upload_bench")
    emu = DiscordEmulator()
    await emu.start()
    procs: dict[str, asyncio.subprocess.Process] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
        env |= emu.env() | {"NEWSBOT_DB": db, "NEWSBOT_FETCH_ALLOW": "127.0.0.1", "NEWSBOT_LOG_LEVEL": "INFO"}

        async def start(name: str, *args: str) -> asyncio.subprocess.Process:
            with (Path(tmp) / f"{name}.log").open("ab") as out:
                procs[name] = await asyncio.create_subprocess_exec(
                    str(NEWSBOT), *args, env=env, cwd=tmp, stdout=out, stderr=asyncio.subprocess.STDOUT
                )
            return procs[name]

        try:
            seed = Path(tmp) / "seed.txt"
            seed.write_text("Harbour plan approved\n\n" + story("harbour plan", "Mayor Ana Ruiz", 1) + "\n")
            assert await (await start("seed", "ingest", str(seed))).wait() == 0
            a, b = emu.create_guild("Newsroom A"), emu.create_guild("Server B")
            gateway = await start("gateway", "run", "--shards", "0", "--shard-count", "1")
            worker = await start("worker", "worker")
            await emu.wait_until(lambda: emu.command_syncs >= 1, 90, "the gateway to connect")
            await asyncio.sleep(2)
            gateway_start = peak_rss_mb(gateway.pid)
            worker_start = peak_rss_mb(worker.pid)
            attachment = emu.add_attachment(data, "archive.jsonl", "application/jsonl")
            started = time.perf_counter()
            upload = await emu.invoke("ingest file", {"file": attachment}, guild=a)
            await emu.wait_original(upload, timeout=30)
            queued = await emu.wait_until(
                lambda: (m := emu.message(upload.original_id or 0)) and m.get("content") and m,
                30,
                "the gateway's answer",
            )
            first_answer = str(queued["content"])  # the message is edited later: keep its text now
            if not first_answer.startswith("Queued"):
                raise SystemExit(f"the gateway did not queue the upload: {first_answer!r}")
            latencies: list[float] = []
            unanswered = 0
            for _ in range(commands):
                t0 = time.perf_counter()
                inter = await emu.invoke("summary", {"article": "harbour plan"}, guild=b)
                try:
                    await emu.wait_response(inter, timeout=15)
                    latencies.append(time.perf_counter() - t0)
                except (TimeoutError, AssertionError):
                    unanswered += 1
                await asyncio.sleep(0.5)

            def answered() -> dict[str, Any] | None:
                msg = emu.message(upload.original_id or 0)
                return msg if msg and msg.get("embeds") else None

            result = await emu.wait_until(answered, 1800, "the worker's answer")
            took = time.perf_counter() - started
            gateway_peak, worker_peak = peak_rss_mb(gateway.pid), peak_rss_mb(worker.pid)
            con = await asyncpg.connect(db)
            stored = await con.fetchval("SELECT count(*) FROM articles WHERE guild_id = $1", a.id)
            await con.close()
        finally:
            for proc in procs.values():
                if proc.returncode is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs.values():
                await proc.wait()
            await emu.stop()
            await database(server, "newsbot_upload_bench", drop=True)
    lat = sorted(x * 1000 for x in latencies)
    lines = data.count(b"\n")
    print(f"upload: {len(data) / 1024 / 1024:.1f} MB JSONL, {lines:,} lines of about {line_kb} KB")
    print(f"gateway's first answer: {first_answer!r}")
    print(f"worker's answer after {took:.1f} s: {result['embeds'][0]['title']!r}; {stored:,} articles stored")
    print(
        f"server B during the ingest: {len(lat)}/{commands} answered, {unanswered} not; "
        f"p50 {statistics.median(lat):.0f} ms, max {lat[-1]:.0f} ms"
    )
    print(
        f"gateway process peak memory (VmHWM): {gateway_peak:.0f} MB (before the upload {gateway_start:.0f} MB)"
    )
    print(f"worker peak memory (VmHWM): {worker_peak:.0f} MB (before the upload {worker_start:.0f} MB)")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mb", type=int, default=50)
    p.add_argument("--line-kb", type=int, default=50)
    p.add_argument("--commands", type=int, default=40)
    p.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    a = p.parse_args()
    print("$ " + " ".join([Path(sys.executable).name, *sys.argv]), flush=True)
    asyncio.run(main(a.mb, a.line_kb, a.commands, a.pg))
