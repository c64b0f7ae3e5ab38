"""``HttpEventSink``: each execution event POSTed as JSON to the operator's endpoint.

A 2xx answer delivers it; anything else (a redirect included: none is followed) is a
failure the dispatcher retries. The endpoint is the operator's own, so no address check
applies. The ``coderunner-execution-id`` header (and the event's own field) is the dedupe key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from coderunner import __version__
from coderunner.errors import DeliveryFailed


class HttpEventSink:
    """POSTs events to ``url``; each failure is a ``DeliveryFailed``."""

    name = "http"

    def __init__(self, url: str, *, timeout_s: float = 10.0) -> None:
        self._url = url
        self._client = httpx.AsyncClient(follow_redirects=False, timeout=timeout_s, trust_env=False)

    async def publish(self, execution_id: str, event: Mapping[str, Any]) -> None:
        headers = {
            "content-type": "application/json",
            "user-agent": f"coderunner/{__version__}",
            "coderunner-execution-id": execution_id,
        }
        try:
            response = await self._client.post(self._url, content=json.dumps(event).encode(), headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"event endpoint: {type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise DeliveryFailed(f"event endpoint answered {response.status_code}")

    async def close(self) -> None:
        await self._client.aclose()
