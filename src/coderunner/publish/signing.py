"""Webhook signatures, as Standard Webhooks (standardwebhooks.com) defines them.

Headers of every delivery attempt:

- ``webhook-id``: the delivery's id, the same on every retry (receivers dedupe on it);
- ``webhook-timestamp``: the attempt's time, in whole seconds since the Unix epoch;
- ``webhook-signature``: ``v1,`` + base64 of HMAC-SHA256 over ``{id}.{timestamp}.{body}``,
  keyed with the secret's bytes (the base64 after ``whsec_``).

A receiver recomputes the signature, compares in constant time, and refuses a timestamp
too far from its clock (replay protection); the README shows the recipe.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

SECRET_PREFIX = "whsec_"
MIN_SECRET_BYTES = 24


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret; ValueError says what is wrong with it.

    >>> len(secret_key("whsec_" + "A" * 32))
    24
    """
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"must start with {SECRET_PREFIX!r} followed by base64 (see the README)")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError(f"the part after {SECRET_PREFIX!r} is not base64") from None
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError(f"holds {len(key)} bytes; at least {MIN_SECRET_BYTES} random bytes are needed")
    return key


def signature(key: bytes, delivery_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value of one attempt."""
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
