"""`newsbot run` when Discord cannot be reached or refuses the token: one clear line, no traceback."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.emulator import DiscordEmulator


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_bot(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--db",
        str(cwd / "n.db"),
        "run",
        env=base | env,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def test_unreachable_discord_is_one_line_without_traceback(tmp_path: Path) -> None:
    port = _closed_port()
    api = f"http://127.0.0.1:{port}/api/v10"
    env = {
        "DISCORD_TOKEN": "abc.def.ghi",
        "NEWSBOT_DISCORD_API": api,
        "NEWSBOT_DISCORD_GATEWAY": f"ws://127.0.0.1:{port}/",
    }
    code, err = await run_bot(env, tmp_path)
    assert code == 1, err
    assert "Traceback" not in err and "internal error" not in err  # before: a ClientConnectorError traceback
    assert err.splitlines()[-1] == f"newsbot: cannot reach Discord at {api}: connection refused"


async def test_rejected_token_is_one_line(emulator: DiscordEmulator, tmp_path: Path) -> None:
    code, err = await run_bot(emulator.env() | {"DISCORD_TOKEN": "not.the.token"}, tmp_path)
    assert code == 2, err
    assert "Traceback" not in err
    last = err.splitlines()[-1]
    assert last.startswith("newsbot: Discord rejected the token (") and last.endswith("check DISCORD_TOKEN")
