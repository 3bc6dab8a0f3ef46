from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from bot.errors import ConfigError


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "DISCORD_TOKEN=from-file\nNEWSBOT_DB=/data/file.db\nNEWSBOT_ADMIN_ROLES=Editors, 123\n"
    )
    s = Settings.load({"NEWSBOT_DB": "/data/env.db", "NEWSBOT_SYNC_GUILD": "42"}, env_file=env_file)
    assert s.token == "from-file" and s.db_path == "/data/env.db"
    assert s.sync_guild == 42 and s.admin_roles == ("Editors", "123")
    assert s.discord_api is None and s.discord_gateway is None and s.page_timeout == 180.0


def test_defaults_without_anything(tmp_path: Path) -> None:
    s = Settings.load({}, env_file=tmp_path / "missing.env")
    assert s.token is None and s.db_path == "newsbot.db" and s.log_level == "INFO"
    assert s.upload_max_mb == 50 and s.upload_max_items == 10_000


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NEWSBOT_SYNC_GUILD", "my-server", "server id"),
        ("NEWSBOT_LOG_LEVEL", "loud", "LOG_LEVEL"),
        ("NEWSBOT_PAGE_TIMEOUT", "soon", "seconds"),
        ("NEWSBOT_FETCH_ALLOW", "intranet, bad value!!", "FETCH_ALLOW"),
        ("NEWSBOT_UPLOAD_MAX_MB", "0", "UPLOAD_MAX_MB must be a whole number of MB from 1 to 1000"),
        ("NEWSBOT_UPLOAD_MAX_MB", "50MB", "UPLOAD_MAX_MB"),
    ],
)
def test_bad_values_are_clear_errors(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.load({name: value}, env_file=tmp_path / "missing.env")


def test_upload_size_limit_is_read_in_mb(tmp_path: Path) -> None:
    assert Settings.load({"NEWSBOT_UPLOAD_MAX_MB": "100"}, env_file=tmp_path / "x.env").upload_max_mb == 100


def test_a_valid_fetch_allow_list_is_kept(tmp_path: Path) -> None:
    env = {"NEWSBOT_FETCH_ALLOW": "intranet.example, 10.0.0.0/8"}
    s = Settings.load(env, env_file=tmp_path / "missing.env")
    assert s.fetch_allow == "intranet.example, 10.0.0.0/8"


def test_debug_logs_never_hold_interaction_tokens() -> None:
    """Issue 12, finding 5: discord.py logs routes and gateway payloads at DEBUG; tokens are masked."""
    import io
    import logging

    from bot.config import setup_logging

    token = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OkxTZWNyZXRUb2tlbg"
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    setup_logging("DEBUG")
    root.setLevel(logging.DEBUG)
    log = logging.getLogger("discord.http")
    log.debug("POST https://discord.com/api/v10/interactions/123456789/%s/callback has returned 204", token)
    log.debug("webhook %s", f"https://discord.com/api/v10/webhooks/987654321/{token}/messages/@original")
    logging.getLogger("discord.gateway").debug(
        "For Shard ID None: WebSocket Event: %s",
        {"t": "INTERACTION_CREATE", "d": {"id": "1", "token": token}},
    )
    logging.getLogger("bot").debug("json %s", '{"token": "' + token + '", "x": 1}')
    root.removeHandler(handler)
    root.setLevel(old_level)
    err = out.getvalue()
    assert "interactions/123456789/" in err and "WebSocket Event" in err
    assert token not in err
