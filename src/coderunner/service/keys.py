"""API keys: made, listed, revoked, and recognised from the secret a caller presents.

A key's secret is ``crk_`` followed by 256 random bits (URL-safe base64). Only the SHA-256
of it is stored: a stolen database gives no usable key, and because the secret is random
(not a password) a plain, fast hash is enough. The secret is shown once, when it is made.

Usage::

    keys = ApiKeys(store)
    key, secret = await keys.create("grader-1", rate_per_minute=60, max_concurrent=4)
    assert (await keys.recognise(secret)).id == key.id
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from coderunner.domain.api_key import ApiKey
from coderunner.errors import Unauthenticated
from coderunner.service.ports import ApiKeyStore

SECRET_PREFIX = "crk_"
BEARER = "bearer"


def hash_secret(secret: str) -> str:
    """The stored form of a secret: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` value (the scheme in any case).

    Raises ``Unauthenticated`` saying what is wrong with it, never quoting it.

    >>> bearer_token("Bearer crk_abc")
    'crk_abc'
    """
    if not authorization:
        raise Unauthenticated("an API key is required: send the header Authorization: Bearer <key>")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != BEARER or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <key>'")
    return token.strip()


class ApiKeys:
    """The keys in ``store``; ``clock`` gives timezone-aware times."""

    def __init__(self, store: ApiKeyStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._clock = clock

    async def create(
        self, name: str, *, rate_per_minute: int | None = None, max_concurrent: int | None = None
    ) -> tuple[ApiKey, str]:
        """A new key and its secret (which is not stored: show it now or never). Raises
        ``InvalidSubmission`` naming a limit out of range."""
        key = ApiKey(
            id=f"key_{secrets.token_hex(8)}",
            name=name,
            created_at=self._clock(),
            rate_per_minute=rate_per_minute,
            max_concurrent=max_concurrent,
        )
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        await self._store.add(key, hash_secret(secret))
        return key, secret

    async def list(self) -> Sequence[ApiKey]:
        """Every key, revoked ones included, oldest first."""
        return await self._store.all()

    async def revoke(self, key_id: str) -> ApiKey | None:
        """Revokes ``key_id`` (at once, for every process); None when there is no such key.
        Revoking a revoked key changes nothing."""
        return await self._store.revoke(key_id, self._clock())

    async def identify(self, secret: str) -> ApiKey | None:
        """The key (revoked or not) whose secret this is, or None."""
        found = await self._store.find(hash_secret(secret))
        return found[0] if found is not None else None

    async def recognise(self, secret: str) -> ApiKey:
        """The active key whose secret this is; ``Unauthenticated`` otherwise."""
        digest = hash_secret(secret)
        found = await self._store.find(digest)
        # The lookup already matched the digest; comparing again in constant time keeps that
        # true whatever the database's collation or index does.
        if found is None or not hmac.compare_digest(found[1], digest):
            raise Unauthenticated("the API key is not valid (unknown or revoked)")
        key = found[0]
        if key.revoked:
            raise Unauthenticated("the API key is not valid (unknown or revoked)")
        return key
