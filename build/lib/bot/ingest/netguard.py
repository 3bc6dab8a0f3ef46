"""SSRF guard: which network addresses the fetcher may contact.

The check runs on resolved addresses, not on host names, and the connection is
made to exactly the addresses that passed (see `GuardedResolver`), so a name
that resolves to a public address for the check and to a private one for the
connection (DNS rebinding) cannot slip through.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

from bot.errors import BlockedAddress, ConfigError, InvalidURL

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = frozenset({"http", "https"})
ENV_VAR = "NEWSBOT_FETCH_ALLOW"

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _normalize_host(host: str) -> str:
    """Lower-case, without brackets, IPv6 zone or the trailing dot of an FQDN."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host.rstrip(".")


def parse_ip(text: str) -> IPAddress | None:
    """The address `text` spells, or None if it is a host name."""
    try:
        return ipaddress.ip_address(_normalize_host(text).split("%", 1)[0])
    except ValueError:
        return None


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv6 one (mapped, 6to4, NAT64), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(ip: IPAddress) -> str | None:
    """Why `ip` must not be contacted ("a private address", ...), or None if it is public."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        return address_problem(inner)
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "a shared (CGNAT) address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "a non-public address"
    return None


@dataclass(frozen=True)
class AddressAllowList:
    """Hosts and networks exempt from the guard (e.g. an intranet news site, or tests).

    Entries are host names (exact, case-insensitive; `*.example.org` also matches
    every subdomain), IP addresses, or CIDR networks.
    """

    hosts: frozenset[str] = frozenset()
    suffixes: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = field(default=())

    @classmethod
    def parse(cls, spec: str | None) -> AddressAllowList:
        """Parse a comma-separated list; raises ValueError naming a bad entry."""
        hosts: set[str] = set()
        suffixes: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in (spec or "").split(","):
            entry = _normalize_host(raw)
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if "/" in entry or not _looks_like_hostname(entry.removeprefix("*.")):
                raise ValueError(f"{raw.strip()!r} is neither a host name nor an address/CIDR")
            if entry.startswith("*."):
                suffixes.add(entry[1:])
            else:
                hosts.add(entry)
        return cls(frozenset(hosts), frozenset(suffixes), tuple(networks))

    @classmethod
    def from_setting(cls, spec: str | None) -> AddressAllowList:
        """The operator's NEWSBOT_FETCH_ALLOW value; a bad entry is a configuration error."""
        try:
            return cls.parse(spec)
        except ValueError as exc:
            raise ConfigError(f"{ENV_VAR}: {exc}") from exc

    def allows_host(self, host: str) -> bool:
        name = _normalize_host(host)
        return name in self.hosts or any(name.endswith(s) for s in self.suffixes)

    def allows_address(self, ip: IPAddress) -> bool:
        candidates: list[IPAddress] = [ip]
        inner = _embedded_ipv4(ip)
        if inner is not None:
            candidates.append(inner)
        return any(c.version == n.version and c in n for c in candidates for n in self.networks)

    def __bool__(self) -> bool:
        return bool(self.hosts or self.suffixes or self.networks)


def _looks_like_hostname(name: str) -> bool:
    labels = name.split(".")
    return all(0 < len(label) <= 63 and all(ch.isalnum() or ch in "-_" for ch in label) for label in labels)


def check_address(host: str, address: str, allow: AddressAllowList) -> None:
    """Raise BlockedAddress unless `address` (what `host` resolved to) may be contacted."""
    if allow.allows_host(host):
        return
    ip = parse_ip(address)
    if ip is None:
        raise BlockedAddress(f"refused: {host} resolved to something that is not an address ({address})")
    if allow.allows_address(ip):
        return
    problem = address_problem(ip)
    if problem is None:
        return
    shown = _normalize_host(address)
    if parse_ip(host) is not None:
        raise BlockedAddress(f"refused: {shown} is {problem}")
    raise BlockedAddress(f"refused: {host} resolves to {problem} ({shown})")


def check_addresses(host: str, addresses: Iterable[str], allow: AddressAllowList) -> None:
    """Every address must pass: a name with one private address among public ones is refused."""
    for address in addresses:
        check_address(host, address, allow)


def _is_legacy_ipv4(host: str) -> bool:
    """True for numeric spellings like 2130706433, 127.1 or 0x7f.0.0.1 that C resolvers accept.

    They are refused outright: no news site uses them, and they are a classic way around guards.
    """
    if parse_ip(host) is not None:
        return False
    try:
        socket.inet_aton(host)
    except OSError:
        return False
    return True


def validate_url(url: str) -> str:
    """Cheap syntactic check (no DNS): http(s), a host, no credentials. Returns the cleaned URL.

    Commands call this before deferring, so an obviously bad URL is answered at once.
    """
    text = url.strip()
    if not text:
        raise InvalidURL("empty URL")
    try:
        parsed = URL(text)
    except (ValueError, TypeError) as exc:
        raise InvalidURL(f"not a valid URL: {text[:200]}") from exc
    scheme = (parsed.scheme or "").lower()
    if not scheme:
        raise InvalidURL(f"URL has no scheme (expected http:// or https://): {text[:200]}")
    if scheme not in ALLOWED_SCHEMES:
        raise InvalidURL(f"only http and https URLs can be fetched, not {scheme}:")
    if not parsed.host:
        raise InvalidURL(f"URL has no host: {text[:200]}")
    if _is_legacy_ipv4(parsed.host):
        raise InvalidURL(f"URL host {parsed.host} is not a canonical IPv4 address")
    if parsed.user is not None or parsed.password is not None:
        raise InvalidURL("URLs with a user name or password are not accepted")
    try:
        _ = parsed.port
    except ValueError as exc:
        raise InvalidURL(f"URL has an invalid port: {text[:200]}") from exc
    return str(parsed)


def check_literal_host(url: URL, allow: AddressAllowList) -> None:
    """Guard URLs whose host is an IP literal: the connector skips the resolver for those."""
    host = url.host or ""
    if parse_ip(host) is not None:
        check_address(host, host, allow)


class GuardedResolver(AbstractResolver):
    """Resolves with `base`, then refuses names with any disallowed address.

    Plugged into the connector, it makes the connection go to exactly the
    addresses that were checked (no second lookup that could differ).
    """

    def __init__(self, allow: AddressAllowList, base: AbstractResolver | None = None) -> None:
        self._allow = allow
        self._base: AbstractResolver = base if base is not None else ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._base.resolve(host, port, family)
        name = _normalize_host(host)
        check_addresses(name, (r["host"] for r in results), self._allow)
        log.debug("resolved %s to %s", name, [r["host"] for r in results])
        return results

    async def close(self) -> None:
        await self._base.close()
