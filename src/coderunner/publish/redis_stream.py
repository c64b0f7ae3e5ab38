"""``RedisStreamSink``: execution events appended to a Redis stream (``XADD``), keyed by execution id.

Each entry has two fields: ``execution_id`` (the key, as the replaced service's Kafka
topic was keyed) and ``event`` (the event's JSON). Delivery is at least once: a consumer
that must not count an execution twice dedupes on ``execution_id``. The stream is trimmed
to about ``maxlen`` entries (``MAXLEN ~``; 0: never trimmed).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError

from coderunner.errors import DeliveryFailed


class RedisStreamSink:
    """Appends events to ``stream`` on the Redis at ``url``; each failure is a ``DeliveryFailed``."""

    name = "redis"

    def __init__(self, url: str, stream: str, *, maxlen: int = 0, timeout_s: float = 5.0) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self._stream = stream
        self._maxlen = maxlen or None

    async def publish(self, execution_id: str, event: Mapping[str, Any]) -> None:
        fields = {"execution_id": execution_id, "event": json.dumps(event, ensure_ascii=False)}
        try:
            await self._client.xadd(self._stream, fields, maxlen=self._maxlen, approximate=True)  # type: ignore[arg-type]
        except (RedisError, OSError) as exc:
            raise DeliveryFailed(f"redis stream {self._stream!r}: {type(exc).__name__}: {exc}") from exc

    async def close(self) -> None:
        await self._client.aclose()
