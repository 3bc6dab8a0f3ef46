"""`newsbot worker` and `newsbot panel` without a token, and local mode when its port is taken: each says
what is missing in words and exits, before anything is served."""

from __future__ import annotations

import socket
from pathlib import Path

from bot.cli.run import NO_TOKEN
from tests.support.cli import newsbot_text

PG = "postgresql://postgres@127.0.0.1:5432/newsbot_never_opened"


def test_worker_without_a_token_explains_how_to_get_one() -> None:
    done = newsbot_text("worker", db=PG)
    assert done.returncode == 2
    assert done.stderr == NO_TOKEN.replace("newsbot run:", "newsbot worker:", 1) + "\n"
    assert done.stdout == ""


def test_panel_without_a_token_is_a_configuration_error(tmp_path: Path) -> None:
    done = newsbot_text("panel", db=tmp_path / "n.db")
    assert done.returncode == 2
    assert done.stderr == (
        "newsbot: newsbot panel needs DISCORD_TOKEN (it asks Discord's API what the bot sees)\n"
    )
    assert not (tmp_path / "n.db").exists()


def test_local_mode_on_a_taken_port_names_the_setting(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = newsbot_text("run", db=tmp_path / "n.db", env={"NEWSBOT_PANEL_BIND": f"127.0.0.1:{port}"})
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == NO_TOKEN
    assert lines[-1] == (
        f"newsbot: cannot listen on 127.0.0.1:{port} (error while attempting to bind on address "
        f"('127.0.0.1', {port}): address already in use); set NEWSBOT_PANEL_BIND"
    )
    assert done.stdout == ""
