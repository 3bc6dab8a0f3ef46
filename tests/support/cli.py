"""The real `newsbot` command in a subprocess, with the caller's NEWSBOT_/DISCORD_ variables cleared."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import REPO


def _run(args: tuple[str, ...], db: Path | str, env: dict[str, str] | None, **kwargs: Any) -> Any:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "DISCORD_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(db), *args],
        capture_output=True,
        cwd=REPO,
        env=base | (env or {}),
        timeout=120,
        **kwargs,
    )


def newsbot(
    *args: str, db: Path | str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return _run(args, db, env, input=stdin)  # type: ignore[no-any-return]


def newsbot_text(
    *args: str, db: Path | str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return _run(args, db, env, text=True)  # type: ignore[no-any-return]
