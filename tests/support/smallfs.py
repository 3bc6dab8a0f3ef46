"""A small filesystem of the test's own (tmpfs with a size limit), to fill the disk under a store."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


class CannotMount(Exception):
    pass


@contextlib.contextmanager
def mounted_tmpfs(path: Path, size_kb: int) -> Iterator[Path]:
    """Mount a tmpfs of `size_kb` at `path` (needs root); CannotMount says why not."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        raise CannotMount("mounting a size-limited tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise CannotMount(f"mount failed: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@contextlib.contextmanager
def small_filesystem(path: Path, size_kb: int) -> Iterator[Path]:
    """mounted_tmpfs for tests: skipped with the reason where it cannot mount, except in CI."""
    try:
        ctx = mounted_tmpfs(path, size_kb)
        mounted = ctx.__enter__()
    except CannotMount as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the disk-full tests: {exc}")
        pytest.skip(str(exc))
    try:
        yield mounted
    finally:
        ctx.__exit__(None, None, None)


def fill(folder: Path, leave_kb: int = 0) -> Path:
    """Write a filler file until the filesystem refuses (ENOSPC), then give back `leave_kb`; returns
    the file (delete it to free the space)."""
    filler = folder / "filler"
    block = b"\0" * 4096
    with filler.open("wb", buffering=0) as fh:
        while True:
            try:
                fh.write(block)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
    if leave_kb:
        os.truncate(filler, max(0, filler.stat().st_size - leave_kb * 1024))
    return filler
