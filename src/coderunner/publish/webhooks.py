"""``HttpWebhookSender``: a finished execution POSTed, signed, to its submission's callback_url.

Guarded against server-side request forgery:

- the host must pass the operator's allow-list (``CallbackPolicy``), and *every* address it
  resolves to must be allowed: a name that also resolves to a private address is refused;
- the connection goes to the address that was checked (the URL's host is replaced by it;
  ``Host`` and TLS SNI and certificate checks keep the name), so a second DNS answer (DNS
  rebinding) cannot send the request elsewhere;
- redirects are never followed: a 3xx answer abandons the delivery.

Refused addresses and redirects are ``DeliveryFailed(permanent=True)``; timeouts, refused
connections, DNS failures and non-2xx answers are retried by the dispatcher.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable

import httpx

from coderunner import __version__
from coderunner.domain.callback import CallbackPolicy, CallbackTarget, parse_callback_url
from coderunner.errors import DeliveryFailed, InvalidSubmission
from coderunner.publish.signing import secret_key, signature

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""The addresses a host name resolves to (for tests: a fixed answer instead of DNS)."""


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order, without repeats."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class HttpWebhookSender:
    """Signs with ``secret`` (``whsec_...``: see ``publish.signing``) and sends where ``policy`` allows."""

    def __init__(
        self,
        secret: str,
        policy: CallbackPolicy,
        *,
        timeout_s: float = 10.0,
        resolve: Resolver = resolve_host,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = secret_key(secret)
        self._policy = policy
        self._resolve = resolve
        self._clock = clock
        self._client = httpx.AsyncClient(follow_redirects=False, timeout=timeout_s, trust_env=False)

    async def send(self, url: str, delivery_id: str, body: bytes) -> None:
        try:
            target = parse_callback_url(url)
        except InvalidSubmission as exc:
            raise DeliveryFailed(str(exc), permanent=True) from exc
        problem = self._policy.host_problem(target.host)
        if problem is not None:
            raise DeliveryFailed(problem, permanent=True)
        address = await self._checked_address(target)
        timestamp = int(self._clock())
        headers = {
            "host": _host_header(target),
            "content-type": "application/json",
            "user-agent": f"coderunner/{__version__}",
            "webhook-id": delivery_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(self._key, delivery_id, timestamp, body),
        }
        pinned = f"{target.scheme}://{_bracketed(address)}:{target.port}{target.target}"
        # TLS: SNI and the certificate check use the name, while the socket goes to the checked address.
        extensions = {"sni_hostname": target.host} if target.scheme == "https" and not _is_ip(target.host) else {}
        try:
            response = await self._client.post(pinned, content=body, headers=headers, extensions=extensions)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"POST {target.host}: {type(exc).__name__}: {exc}") from exc
        if response.is_redirect:
            location = response.headers.get("location", "")
            raise DeliveryFailed(
                f"answered {response.status_code} (to {location!r}); redirects are never followed", permanent=True
            )
        if not response.is_success:
            raise DeliveryFailed(f"answered {response.status_code}")

    async def _checked_address(self, target: CallbackTarget) -> str:
        """The address to connect to, once every address of the host passed the policy."""
        if _is_ip(target.host):
            return target.host
        try:
            addresses = await self._resolve(target.host, target.port)
        except OSError as exc:
            raise DeliveryFailed(f"cannot resolve {target.host!r}: {exc}") from exc
        if not addresses:
            raise DeliveryFailed(f"{target.host!r} resolves to no address")
        for address in addresses:
            problem = self._policy.address_problem(address)
            if problem is not None:
                raise DeliveryFailed(f"{target.host} resolves to {problem}", permanent=True)
        return addresses[0]

    async def close(self) -> None:
        await self._client.aclose()


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _bracketed(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def _host_header(target: CallbackTarget) -> str:
    default = {"http": 80, "https": 443}[target.scheme]
    host = _bracketed(target.host)
    return host if target.port == default else f"{host}:{target.port}"
