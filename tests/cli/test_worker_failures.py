"""`newsbot worker` when Discord cannot be reached or refuses it at start-up: one clear line, no
traceback, before the PostgreSQL store is opened."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from tests.cli.test_run_cli import _closed_port
from tests.support.cli import newsbot_text

PG = "postgresql://postgres@127.0.0.1:5432/newsbot_never_opened"


def _env(port: int) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": "abc.def.ghi",
        "NEWSBOT_DISCORD_API": f"http://127.0.0.1:{port}/api/v10",
        "NEWSBOT_DISCORD_GATEWAY": f"ws://127.0.0.1:{port}/",
    }


def test_worker_with_discord_unreachable() -> None:
    port = _closed_port()
    done = newsbot_text("worker", db=PG, env=_env(port))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"newsbot: cannot reach Discord at http://127.0.0.1:{port}/api/v10: connection refused"
    )


async def _refusing_server(status: int, code: int, message: str) -> tuple[web.AppRunner, int]:
    async def refuse(request: web.Request) -> web.Response:
        body = f'{{"message": "{message}", "code": {code}}}'.encode()
        return web.Response(body=body, status=status, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", refuse)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, runner.addresses[0][1]


async def test_worker_refused_or_rejected_at_login(tmp_path: Path) -> None:
    import asyncio

    for status, code, message, exit_code, (head, tail) in (
        (
            403,
            50001,
            "Missing Access",
            1,
            (
                "newsbot: Discord refused a start-up request (403 Forbidden (error code: 50001): Missing Access)",
                "",
            ),
        ),
        (401, 0, "401: Unauthorized", 2, ("newsbot: Discord rejected the token (", "); check DISCORD_TOKEN")),
    ):
        runner, port = await _refusing_server(status, code, message)
        try:
            done = await asyncio.to_thread(newsbot_text, "worker", db=PG, env=_env(port))
        finally:
            await runner.cleanup()
        assert done.returncode == exit_code, done.stderr
        assert "Traceback" not in done.stderr
        final = done.stderr.splitlines()[-1]
        assert final.startswith(head) and final.endswith(tail), final
        assert len(final) >= len(head) + len(tail)
