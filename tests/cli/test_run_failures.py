"""How `newsbot run` words start-up failures: Discord refusing a start-up request, and the few words an
operator gets for each kind of connection failure."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp
import discord.http
from aiohttp import web

from bot.cli.run import _one_line, _where, _why
from tests.cli.test_run_cli import run_bot


async def test_a_refused_login_request_is_one_line(tmp_path: Path) -> None:
    async def forbidden(request: web.Request) -> web.Response:
        body = b'{"message": "Missing Access", "code": 50001}'
        return web.Response(body=body, status=403, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forbidden)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        env = {
            "DISCORD_TOKEN": "abc.def.ghi",
            "NEWSBOT_DISCORD_API": f"http://127.0.0.1:{port}/api/v10",
            "NEWSBOT_DISCORD_GATEWAY": f"ws://127.0.0.1:{port}/",
        }
        code, err = await run_bot(env, tmp_path)
    finally:
        await runner.cleanup()
    assert code == 1, err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == (
        "newsbot: Discord refused a start-up request (403 Forbidden (error code: 50001): Missing Access)"
    )


def test_why_names_each_kind_of_failure() -> None:
    assert _why(ConnectionRefusedError(111, "Connection refused")) == "connection refused"
    assert _why(socket.gaierror(-2, "Name or service not known")) == "host name not found"
    assert _why(TimeoutError()) == "timed out"
    assert _why(ConnectionResetError(104, "Connection Reset By Peer")) == "connection reset by peer"
    assert _why(aiohttp.ServerDisconnectedError("gone\n away")) == "gone away"


def test_where_is_the_api_base_unless_another_host_failed() -> None:
    base = discord.http.Route.BASE
    assert _where(ConnectionError("x")) == base

    class Failed(OSError):
        host = "gateway.example.test"
        port = 443

    assert _where(Failed()) == "gateway.example.test:443"


def test_one_line_falls_back_to_the_type_name() -> None:
    assert _one_line(RuntimeError("a\n  b")) == "a b"
    assert _one_line(RuntimeError()) == "RuntimeError"
    assert len(_one_line(RuntimeError("x" * 500))) == 300
