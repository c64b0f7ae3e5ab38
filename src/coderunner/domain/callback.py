"""Where a webhook may go: the shape of a ``callback_url`` and the operator's allow-list.

Pure (``ipaddress`` and ``urllib.parse`` only): the delivery adapter resolves the host and
asks ``CallbackPolicy.address_problem`` about every address before it connects to one.

The rule, as the README states it:

1. when the allow-list is not empty, the URL's host must be a listed name
   (``*.example.com`` matches any subdomain) or an IP address inside a listed CIDR;
2. every address the host resolves to must be public (global unicast) or inside a listed
   CIDR: loopback, private, link-local, shared (CGNAT), multicast and reserved addresses are
   refused unless the operator listed them. (Judge0's callbacks were an SSRF vector.)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from coderunner.errors import InvalidSubmission

MAX_URL_CHARS = 2048
FIELD = "callback_url"
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class CallbackTarget:
    """A parsed callback URL: where to connect, and what to ask for there."""

    scheme: str  # http or https
    host: str  # lower-case name, or an IP address without brackets
    port: int
    target: str  # path and query, at least "/"


def parse_callback_url(url: str) -> CallbackTarget:
    """The parts of an absolute http(s) URL; ``InvalidSubmission`` (field ``callback_url``) says what is wrong.

    >>> parse_callback_url("https://Hooks.Example.com/done?x=1")
    CallbackTarget(scheme='https', host='hooks.example.com', port=443, target='/done?x=1')
    """
    if len(url) > MAX_URL_CHARS:
        raise InvalidSubmission(FIELD, f"is longer than {MAX_URL_CHARS} characters")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise InvalidSubmission(FIELD, "contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidSubmission(FIELD, f"is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidSubmission(FIELD, f"must be an http:// or https:// URL, got {url!r}")
    if not parts.hostname:
        raise InvalidSubmission(FIELD, "has no host")
    if parts.username is not None or parts.password is not None:
        raise InvalidSubmission(FIELD, "must not carry credentials (user:password@): they would be stored and logged")
    if parts.fragment:
        raise InvalidSubmission(FIELD, "must not have a #fragment")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        # The host as DNS, the allow-list and the Host header see it: ASCII (IDNA for a Unicode name).
        host = parts.hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidSubmission(FIELD, f"has a host name that is not valid: {parts.hostname!r}") from None
    return CallbackTarget(parts.scheme, host, port or _DEFAULT_PORTS[parts.scheme], target)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _ip(text: str) -> _Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class CallbackPolicy:
    """The operator's allow-list (``CODERUNNER_WEBHOOK_ALLOWED``); empty: any host, public addresses only."""

    hosts: tuple[str, ...] = ()
    networks: tuple[_Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> CallbackPolicy:
        """From entries ``hooks.example.com``, ``*.example.com``, ``10.1.0.0/16``, ``127.0.0.1``;
        ValueError names a bad one.

        >>> CallbackPolicy.parse(["127.0.0.1", "*.Example.com"]).networks
        (IPv4Network('127.0.0.1/32'),)
        """
        hosts: list[str] = []
        networks: list[_Network] = []
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            name = entry.lower()
            if not name.removeprefix("*.").replace("-", "").replace(".", "").isalnum() or "/" in name:
                raise ValueError(f"{entry!r} is neither a host name (or *.domain) nor an IP address or CIDR")
            hosts.append(name)
        return cls(tuple(hosts), tuple(networks))

    @property
    def restricted(self) -> bool:
        return bool(self.hosts or self.networks)

    def host_problem(self, host: str) -> str | None:
        """Why a callback to ``host`` is refused before any lookup, or None (rules 1, and 2 for IP literals)."""
        address = _ip(host)
        if address is not None:
            if self.restricted and not self._listed(address):
                return f"{host} is not inside an allowed network (CODERUNNER_WEBHOOK_ALLOWED)"
            return self.address_problem(address)
        if self.restricted and not any(_matches(pattern, host) for pattern in self.hosts):
            return f"the host {host!r} is not in the allow-list (CODERUNNER_WEBHOOK_ALLOWED)"
        return None

    def address_problem(self, address: _Address | str) -> str | None:
        """Why connecting to ``address`` is refused, or None (rule 2)."""
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        if self._listed(ip):
            return None
        # An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it reaches.
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        effective = mapped or ip
        if mapped is not None and self._listed(mapped):
            return None
        if effective.is_global and not effective.is_multicast:
            return None
        kind = next(
            (
                name
                for name, flag in (
                    ("loopback", effective.is_loopback),
                    ("link-local", effective.is_link_local),
                    ("private", effective.is_private),
                    ("multicast", effective.is_multicast),
                )
                if flag
            ),
            "non-public",
        )
        return f"{ip} is a {kind} address; only public addresses are called unless CODERUNNER_WEBHOOK_ALLOWED lists it"

    def _listed(self, ip: _Address) -> bool:
        return any(ip.version == network.version and ip in network for network in self.networks)


def _matches(pattern: str, host: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


def check_callback(url: str, policy: CallbackPolicy) -> None:
    """Raises ``InvalidSubmission`` (field ``callback_url``) unless ``url`` is well formed and
    ``policy`` admits its host."""
    problem = policy.host_problem(parse_callback_url(url).host)
    if problem is not None:
        raise InvalidSubmission(FIELD, problem)
