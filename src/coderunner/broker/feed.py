"""Announcing finished executions over Redis pub/sub, and listening for them on API nodes.

A worker publishes once the final record is written: the execution id and, when it is
small enough (``RECORD_MAX_BYTES``), the record itself as the worker read it back from
the store after writing it, so an API node answers its waiting request without reading
the store again. Every API node holds one subscription and wakes the requests waiting for
that id. Pub/sub keeps nothing for an absent listener, so whenever the subscription is
(re)made (its confirmation arrives) every waiter is woken without a record, to read the
store: an announcement lost while Redis restarted costs one read, never a request stuck
waiting. A record too large to carry, or one this version cannot read, costs that read too.

A message is the id alone, or the id, one space and the record as JSON (an id has no space).
All the nodes of a cluster run one version: the format is theirs, not a public one.
"""

from __future__ import annotations

import asyncio
import contextlib

import pydantic
import redis
import redis.asyncio
import structlog
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from coderunner.broker.links import FINISHED_CHANNEL, map_redis_errors
from coderunner.domain.execution import Execution

log = structlog.get_logger("coderunner.broker")
RECONNECT_FIRST_S, RECONNECT_MAX_S = 0.1, 2.0
# Every API node receives every announcement: a record larger than this (outputs of many
# tests) is left for the nodes that wait for it to read from the store.
RECORD_MAX_BYTES = 64 * 1024
_RECORD = pydantic.TypeAdapter(Execution)


def announce_finished(client: redis.Redis, execution_id: str, final: Execution | None) -> None:
    """Tells every API node that ``execution_id``'s record is final, carrying ``final`` (the
    record as stored) when there is one at hand (raises ``BrokerUnavailable``)."""
    with map_redis_errors(f"announce execution {execution_id}"):
        client.publish(FINISHED_CHANNEL, encode_announcement(execution_id, final))


def encode_announcement(execution_id: str, final: Execution | None) -> bytes:
    record = b"" if final is None else _RECORD.dump_json(final)
    if not record or len(record) > RECORD_MAX_BYTES:
        return execution_id.encode()
    return execution_id.encode() + b" " + record


def decode_announcement(data: bytes) -> tuple[str, bytes]:
    """The id of an announcement and its record's JSON (empty when it carries none)."""
    execution_id, _, record = data.partition(b" ")
    return execution_id.decode(), record


def read_record(execution_id: str, record: bytes) -> Execution | None:
    """The final record an announcement carries, or None: none, or not one this version
    reads (logged; the waiter then reads the store)."""
    if not record:
        return None
    try:
        execution = _RECORD.validate_json(record)
    except (pydantic.ValidationError, ValueError) as exc:
        log.warning("feed.unreadable_record", execution_id=execution_id, error=str(exc)[:500])
        return None
    return execution if execution.id == execution_id and execution.status.is_terminal else None


class RedisFinishedFeed:
    """The ``FinishedFeed`` port: ``start()`` on the serving loop, ``watch``/``unwatch`` per wait."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._watchers: dict[str, set[asyncio.Future[Execution | None]]] = {}
        self._listener: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="coderunner-finished-feed")

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)

    def watch(self, execution_id: str) -> asyncio.Future[Execution | None]:
        future: asyncio.Future[Execution | None] = asyncio.get_running_loop().create_future()
        self._watchers.setdefault(execution_id, set()).add(future)
        return future

    def unwatch(self, execution_id: str, future: asyncio.Future[Execution | None]) -> None:
        waiting = self._watchers.get(execution_id)
        if waiting is not None:
            waiting.discard(future)
            if not waiting:
                del self._watchers[execution_id]

    def _wake(self, execution_ids: list[str], record: Execution | None = None) -> None:
        for execution_id in execution_ids:
            for future in self._watchers.get(execution_id, ()):
                if not future.done():
                    future.set_result(record)

    def _announced(self, data: bytes) -> None:
        execution_id, record = decode_announcement(data)
        if execution_id in self._watchers:  # the record is read only where a request waits for it
            self._wake([execution_id], read_record(execution_id, record))

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
                            self._announced(message["data"])
            except (redis.RedisError, OSError) as exc:
                # What is announced meanwhile is lost: the next subscription wakes every waiter.
                log.warning("feed.disconnected", error=str(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_S)
            finally:
                with contextlib.suppress(redis.RedisError, OSError):
                    await client.aclose()
