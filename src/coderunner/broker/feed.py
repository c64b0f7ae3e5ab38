"""Announcing finished executions over Redis pub/sub, and listening for them on API nodes.

A worker publishes the execution id on one channel once the final record is written;
every API node holds one subscription and wakes the requests waiting for that id.
Pub/sub keeps nothing for an absent listener, so whenever the subscription is (re)made
(its confirmation arrives) every waiter is woken to read the store again: an
announcement lost while Redis restarted costs one read, never a request stuck waiting.
"""

from __future__ import annotations

import asyncio
import contextlib

import redis
import redis.asyncio
import structlog
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from coderunner.broker.links import FINISHED_CHANNEL, map_redis_errors

log = structlog.get_logger("coderunner.broker")
RECONNECT_FIRST_S, RECONNECT_MAX_S = 0.1, 2.0


def announce_finished(client: redis.Redis, execution_id: str) -> None:
    """Tells every API node that ``execution_id``'s record is final (raises ``BrokerUnavailable``)."""
    with map_redis_errors(f"announce execution {execution_id}"):
        client.publish(FINISHED_CHANNEL, execution_id)


class RedisFinishedFeed:
    """The ``FinishedFeed`` port: ``start()`` on the serving loop, ``watch``/``unwatch`` per wait."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._watchers: dict[str, set[asyncio.Future[None]]] = {}
        self._listener: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="coderunner-finished-feed")

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)

    def watch(self, execution_id: str) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._watchers.setdefault(execution_id, set()).add(future)
        return future

    def unwatch(self, execution_id: str, future: asyncio.Future[None]) -> None:
        waiting = self._watchers.get(execution_id)
        if waiting is not None:
            waiting.discard(future)
            if not waiting:
                del self._watchers[execution_id]

    def _wake(self, execution_ids: list[str]) -> None:
        for execution_id in execution_ids:
            for future in self._watchers.get(execution_id, ()):
                if not future.done():
                    future.set_result(None)

    async def _listen(self) -> None:
        delay = RECONNECT_FIRST_S
        while True:
            # No silent retries inside redis-py: a dropped connection must come here, so that
            # the waiters are woken after the new subscription.
            client = redis.asyncio.Redis.from_url(self._url, retry=Retry(NoBackoff(), 0), socket_connect_timeout=5)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(FINISHED_CHANNEL)
                    async for message in pubsub.listen():
                        if message["type"] == "subscribe":
                            delay = RECONNECT_FIRST_S
                            self._wake(list(self._watchers))
                        elif message["type"] == "message":
                            self._wake([message["data"].decode()])
            except (redis.RedisError, OSError) as exc:
                # What is announced meanwhile is lost: the next subscription wakes every waiter.
                log.warning("feed.disconnected", error=str(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_S)
            finally:
                with contextlib.suppress(redis.RedisError, OSError):
                    await client.aclose()
