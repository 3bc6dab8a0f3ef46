"""The SSRF guard on its own: classification, allow lists, URL syntax, the resolver."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.errors import BlockedAddress, ConfigError, FetchError, InvalidURL
from bot.ingest.netguard import (
    AddressAllowList,
    GuardedResolver,
    address_problem,
    check_address,
    check_literal_host,
    validate_url,
)


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.9.9.9", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.0.0.5", "a private address"),
        ("172.16.3.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fc00::1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("0.0.0.0", "an unspecified address"),
        ("::", "an unspecified address"),
        ("100.64.1.2", "a shared (CGNAT) address"),
        ("240.0.0.1", "a private address"),
        ("255.255.255.255", "a private address"),
        ("::ffff:10.0.0.5", "a private address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("2002:a00:1::1", "a private address"),  # 6to4 wrapping 10.0.0.1
        ("64:ff9b::7f00:1", "a loopback address"),  # NAT64 wrapping 127.0.0.1
        ("192.0.2.10", "a private address"),  # documentation range
    ],
)
def test_non_public_addresses_are_named(address: str, problem: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) == problem


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


def test_check_address_message_for_a_name() -> None:
    with pytest.raises(BlockedAddress) as info:
        check_address("example.internal", "10.0.0.5", AddressAllowList())
    assert str(info.value) == "refused: example.internal resolves to a private address (10.0.0.5)"


def test_check_address_message_for_a_literal() -> None:
    with pytest.raises(BlockedAddress, match=r"^refused: ::1 is a loopback address$"):
        check_address("::1", "::1", AddressAllowList())


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://[fe80::1%25eth0]/", "refused: fe80::1%eth0 is a link-local address"),
        ("http://[::ffff:a00:1]/", "refused: ::ffff:a00:1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a link-local address"),
    ],
)
def test_literal_hosts_checked_without_dns(url: str, message: str) -> None:
    with pytest.raises(BlockedAddress) as info:
        check_literal_host(URL(url), AddressAllowList())
    assert str(info.value) == message
    check_literal_host(URL("http://news.example/"), AddressAllowList())  # names are the resolver's job


def test_allow_list_parses_hosts_networks_and_wildcards() -> None:
    allow = AddressAllowList.parse(" localhost , 127.0.0.0/8,intranet.example., *.corp.example, ::1, ")
    assert allow.allows_host("LOCALHOST")
    assert allow.allows_host("intranet.example")
    assert allow.allows_host("news.corp.example")
    assert not allow.allows_host("corp.example.evil")
    assert not allow.allows_host("other.example")
    assert allow.allows_address(ipaddress.ip_address("127.4.5.6"))
    assert allow.allows_address(ipaddress.ip_address("::1"))
    assert allow.allows_address(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert not allow.allows_address(ipaddress.ip_address("10.0.0.1"))
    check_address("intranet.example", "10.1.2.3", allow)  # allowed by name
    check_address("anything.example", "127.0.0.2", allow)  # allowed by network
    with pytest.raises(BlockedAddress):
        check_address("anything.example", "10.1.2.3", allow)


def test_allow_list_rejects_garbage_and_reads_env() -> None:
    with pytest.raises(ValueError, match="neither"):
        AddressAllowList.parse("10.0.0.0/33")
    with pytest.raises(ValueError):
        AddressAllowList.parse("exa mple.com")
    assert not AddressAllowList.from_setting("")
    allow = AddressAllowList.from_setting("10.0.0.0/8")
    check_address("x.example", "10.9.9.9", allow)
    with pytest.raises(ConfigError, match="NEWSBOT_FETCH_ALLOW"):
        AddressAllowList.from_setting("10.0.0.0/33")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("file:///etc/passwd", "only http and https"),
        ("ftp://example.com/x", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("example.com/page", "no scheme"),
        ("http://", "no host"),
        ("http://user:pw@example.com/", "user name or password"),
        ("http://example.com:99999/", "not a valid URL"),
        ("http://2130706433/", "not a canonical IPv4"),
        ("http://127.1/", "not a canonical IPv4"),
        ("http://0x7f.0.0.1/", "not a canonical IPv4"),
        ("http://017700000001/", "not a canonical IPv4"),
    ],
)
def test_validate_url_rejects(url: str, fragment: str) -> None:
    with pytest.raises(InvalidURL, match=fragment) as info:
        validate_url(url)
    assert isinstance(info.value, FetchError)
    assert "\n" not in str(info.value)


def test_validate_url_accepts_and_strips() -> None:
    assert validate_url("http://123.example.com/") == "http://123.example.com/"
    assert validate_url("http://1.2.3.4/") == "http://1.2.3.4/"
    assert validate_url("  https://Example.com/a?b=1  ") == "https://example.com/a?b=1"
    assert validate_url("http://[::1]:8080/x").startswith("http://[::1]:8080/")


class FakeResolver(AbstractResolver):
    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {
                "hostname": host,
                "host": addr,
                "port": port,
                "family": socket.AF_INET6 if ":" in addr else socket.AF_INET,
                "proto": 0,
                "flags": 0,
            }
            for addr in self.table[host]
        ]

    async def close(self) -> None:
        pass


async def test_guarded_resolver_refuses_any_bad_address() -> None:
    base = FakeResolver({"mixed.example": ["93.184.216.34", "10.0.0.5"], "ok.example": ["93.184.216.34"]})
    resolver = GuardedResolver(AddressAllowList(), base)
    assert [r["host"] for r in await resolver.resolve("ok.example", 80)] == ["93.184.216.34"]
    with pytest.raises(BlockedAddress, match=r"mixed\.example resolves to a private address \(10\.0\.0\.5\)"):
        await resolver.resolve("mixed.example", 80)


async def test_guarded_resolver_with_real_lookup_refuses_localhost() -> None:
    resolver = GuardedResolver(AddressAllowList())
    try:
        with pytest.raises(BlockedAddress, match="localhost resolves to a loopback address"):
            await resolver.resolve("localhost", 80, socket.AF_UNSPEC)
        allowed = GuardedResolver(AddressAllowList.parse("localhost"))
        assert await allowed.resolve("localhost", 80, socket.AF_UNSPEC)
    finally:
        await resolver.close()


def test_a_bracketed_non_ip_host_is_an_invalid_url_not_a_crash() -> None:  # issue 12, finding 5
    with pytest.raises(InvalidURL):
        validate_url("http://[::localhost]/")


@pytest.mark.parametrize("address", ["fec0::1", "feff:ffff::1"])
def test_deprecated_site_local_ipv6_is_refused(address: str) -> None:  # issue 12, finding 5
    assert address_problem(ipaddress.ip_address(address)) == "a site-local address"
