"""The panel's small pieces: redirects, origins, the session cookie, rate limits, escaping helpers."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from cryptography.fernet import Fernet

from bot.panel.archive import marked, safe_link
from bot.panel.security import COOKIE, RateLimiter, Session, SessionCodec, cookie_key, safe_next, same_origin

ORIGIN = "https://news.example.org"


def test_safe_next_keeps_only_local_paths() -> None:
    assert safe_next("/s/1/?q=a") == "/s/1/?q=a"
    for bad in (
        None,
        "",
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "evil",
        "/a\r\nSet-Cookie: x",
    ):
        assert safe_next(bad) == "/", bad


def test_same_origin() -> None:
    def req(**headers: str) -> web.Request:
        return make_mocked_request("POST", "/s/1/settings", headers=headers)

    assert same_origin(req(Origin=ORIGIN), ORIGIN)
    assert same_origin(req(Origin=ORIGIN, **{"Sec-Fetch-Site": "same-origin"}), ORIGIN)
    assert not same_origin(req(Origin="https://evil.example"), ORIGIN)
    assert not same_origin(req(Origin=ORIGIN, **{"Sec-Fetch-Site": "cross-site"}), ORIGIN)
    assert not same_origin(req(Origin="null"), ORIGIN)
    assert same_origin(req(Referer=ORIGIN + "/s/1/settings"), ORIGIN)
    assert not same_origin(req(Referer="https://evil.example/x"), ORIGIN)
    assert not same_origin(req(), ORIGIN)  # nothing says where it came from


def test_session_cookie_round_trip_and_tampering() -> None:
    key = cookie_key(None, "oauth-secret", "token")
    assert key == cookie_key(None, "oauth-secret", "token")  # stable: `run` and `panel` share sessions
    assert key != cookie_key(None, "other", "token") and cookie_key(None) != cookie_key(None)
    codec = SessionCodec(key, secure=True)
    response = web.Response()
    codec.save(response, Session(user_id=7, name="Ada", token="secret-token"))
    value = response.cookies[COOKIE].value
    assert "secret-token" not in value and "Ada" not in value  # encrypted, not only signed
    loaded = codec.load(make_mocked_request("GET", "/", headers={"Cookie": f"{COOKIE}={value}"}))
    assert (loaded.user_id, loaded.name, loaded.token, loaded.changed) == (7, "Ada", "secret-token", False)
    forged = Fernet(cookie_key("other")).encrypt(b'{"user_id": 1, "token": "x"}').decode()
    for cookie in (value[:-4] + "AAAA", forged, "garbage"):
        fresh = codec.load(make_mocked_request("GET", "/", headers={"Cookie": f"{COOKIE}={cookie}"}))
        assert not fresh.logged_in and fresh.changed


def test_rate_limiter() -> None:
    limit = RateLimiter(limit=3, window=60)
    assert [limit.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limit.allow("b")


def test_escaping_helpers() -> None:
    assert str(marked("<b>x</b> \x02word\x03")) == "&lt;b&gt;x&lt;/b&gt; <mark>word</mark>"
    assert safe_link("https://example.org/a") == "https://example.org/a"
    for bad in (
        "javascript:alert(1)",
        " JAVASCRIPT:alert(1)",
        "data:text/html,x",
        "/relative",
        None,
        "https://a\n",
    ):
        assert safe_link(bad) is None, bad
