"""``RedisWorkQueue``: the ``WorkQueue`` port on Dramatiq's Redis broker (the API node's side).

Each message's Redis id is its execution id (Dramatiq draws a random one; it only needs
one unique per message in the queue, which one execution id per message gives): the
broker keeps a message under that id in the queue's ``.msgs`` hash from its enqueue until
its acknowledgement, queued or being graded, so ``held`` can tell whether a pending record
still has its message, without scanning any queue.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from coderunner.broker.links import (
    ACTOR_NAME,
    DRAMATIQ_NAMESPACE,
    WorkerAd,
    client_for,
    live_workers,
    map_redis_errors,
    messages_key,
    queue_name,
)
from coderunner.broker.wakeup import WakeableRedisBroker, Wakeups, announce_queued
from coderunner.domain.execution import Execution
from coderunner.errors import BrokerUnavailable


def make_broker(url: str, heartbeat_timeout_s: float, wakeups: Wakeups | None = None) -> RedisBroker:
    """Dramatiq's Redis broker without its default middleware: no automatic retries (a
    redelivery is decided by worker loss only, and bounded by the consumer) and no time limit
    (the sandbox enforces each step's own). With ``wakeups`` (a worker's), idle fetches wait
    for work to be announced (``broker/wakeup.py``)."""
    options: dict[str, Any] = {
        "client": client_for(url),
        "middleware": [],
        "namespace": DRAMATIQ_NAMESPACE,
        "heartbeat_timeout": int(heartbeat_timeout_s * 1000),
        # Of 1 000 000 broker commands: one in 200. An idle worker fetches from each queue at
        # least 4 times a second (broker/wakeup.py), so a dead worker's messages are requeued
        # within seconds of its timeout.
        "maintenance_chance": 5_000,
    }
    if wakeups is None:
        return RedisBroker(**options)  # type: ignore[no-untyped-call]
    return WakeableRedisBroker(wakeups=wakeups, **options)


# Workers are judged alive on heartbeats seconds apart: a second-old list of their languages is as good.
LIVE_LANGUAGES_TTL_S = 1.0


class RedisWorkQueue:
    """Queues an execution id on its language's queue; the record itself stays in the store."""

    def __init__(self, url: str, *, heartbeat_timeout_s: float) -> None:
        self._broker = make_broker(url, heartbeat_timeout_s)
        self._client = self._broker.client
        self._heartbeat_timeout_s = heartbeat_timeout_s
        # The languages live workers took when last read, and when (time.monotonic()).
        self._taken: tuple[float, frozenset[str]] = (-LIVE_LANGUAGES_TTL_S, frozenset())

    async def enqueue(self, execution: Execution) -> None:
        """Raises ``BrokerUnavailable`` when the broker is away or no live worker takes the language."""
        await asyncio.to_thread(self._enqueue, execution, require_worker=True)

    async def requeue(self, execution: Execution) -> None:
        """Queues ``execution`` again, with or without a live worker for it (raises ``BrokerUnavailable``)."""
        await asyncio.to_thread(self._enqueue, execution, require_worker=False)

    async def held(self, executions: Sequence[Execution]) -> set[str]:
        """The ids among ``executions`` whose message the broker holds (raises ``BrokerUnavailable``)."""
        return await asyncio.to_thread(self._held, executions)

    def _enqueue(self, execution: Execution, *, require_worker: bool) -> None:
        language = execution.submission.language
        # A language no worker took a moment ago is looked up again before it is refused.
        if require_worker and not (
            language in self._live_languages(refresh=False) or language in self._live_languages(refresh=True)
        ):
            raise BrokerUnavailable(f"no worker that grades {language!r} is connected to the broker")
        message: dramatiq.Message[None] = dramatiq.Message(
            queue_name=queue_name(language),
            actor_name=ACTOR_NAME,
            args=(execution.id,),
            kwargs={},
            options={"redis_message_id": execution.id},
        )
        with map_redis_errors(f"queue execution {execution.id}"):
            # What RedisBroker.enqueue does, with the execution id as the Redis message id.
            self._broker.do_enqueue(message.queue_name, execution.id, message.encode())
        announce_queued(self._client, message.queue_name)

    def _live_languages(self, *, refresh: bool) -> frozenset[str]:
        """The languages some live worker takes, read again at most every ``LIVE_LANGUAGES_TTL_S``
        unless ``refresh``: a round trip saved on most enqueues."""
        read_at, languages = self._taken
        if refresh or time.monotonic() - read_at > LIVE_LANGUAGES_TTL_S:
            ads = live_workers(self._client, self._heartbeat_timeout_s)
            languages = frozenset(language for ad in ads for language in ad.languages)
            self._taken = (time.monotonic(), languages)
        return languages

    def _held(self, executions: Sequence[Execution]) -> set[str]:
        with map_redis_errors("look up queued executions"), self._client.pipeline(transaction=False) as pipe:
            for execution in executions:
                pipe.hexists(messages_key(execution.submission.language), execution.id)
            found = pipe.execute()
        return {execution.id for execution, held in zip(executions, found, strict=True) if held}

    def workers(self) -> list[WorkerAd]:
        """The live workers (raises ``BrokerUnavailable`` unless the broker answers)."""
        with map_redis_errors("answer a ping"):
            self._client.ping()
        return live_workers(self._client, self._heartbeat_timeout_s)

    def runtime_versions(self) -> dict[str, str]:
        """language → the runtime version its live workers advertise (raises ``BrokerUnavailable``)."""
        versions: dict[str, str] = {}
        for ad in live_workers(self._client, self._heartbeat_timeout_s):
            versions |= {name: version for name, version in ad.runtime_versions.items() if name not in versions}
        return versions

    def close(self) -> None:
        self._client.close()
