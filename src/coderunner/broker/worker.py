"""``QueueWorker``: a Dramatiq worker that takes execution ids from its languages' queues.

Dramatiq runs ``slots`` threads; each hands its execution id to ``handle`` (which grades
it on the worker's event loop and returns once the record is final), then announces the
final record to the API nodes and acknowledges the message. A message is acknowledged only
after that, so a worker killed mid-evaluation leaves it unacknowledged, and once its
heartbeat is ``heartbeat_timeout_s`` old another worker's broker maintenance puts it back
on its queue. ``stop()`` drains: no new message is taken, the current ones finish, and
the prefetched ones go back to their queues.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable
from typing import Any

import dramatiq
import structlog
from dramatiq.brokers.redis import RedisBroker

from coderunner.broker.feed import announce_finished
from coderunner.broker.links import (
    ACTOR_NAME,
    ATTEMPTS_TTL_S,
    WorkerAd,
    advertise,
    attempts_key,
    map_redis_errors,
    queue_name,
    withdraw,
)
from coderunner.broker.wakeup import Wakeups
from coderunner.broker.work_queue import make_broker
from coderunner.domain.execution import Execution
from coderunner.errors import BrokerUnavailable

log = structlog.get_logger("coderunner.worker")

# Dramatiq's timeout: how long its idle threads wait before checking whether to stop, and the
# most its consumer sleeps between fetches while this worker's slots are full, so how soon a
# slot that frees takes the next queued evaluation. Idle, a consumer waits in
# WakeableRedisBroker.do_fetch for work to be announced (broker/wakeup.py), not this.
WORKER_TIMEOUT_MS = 5
# How long a draining worker waits for its evaluations (each is bounded by its own limits).
DRAIN_TIMEOUT_S = 300.0

Handle = Callable[[str, int], Execution | None]
"""Grades one execution id on its n-th delivery (1 = first); returns once its record is final:
that record as stored, or None when it is not at hand (the worker was forced down meanwhile;
the API nodes then read the store). Raises ``UnknownExecution`` when the store has no such
record (this worker is on another database than the API nodes)."""


class UnknownExecution(Exception):
    """The delivered id has no record in this worker's database."""


class _DeadLetterUnknown(dramatiq.Middleware):
    """A message this worker's database does not know is dead-lettered (kept in the queue's
    ``.XQ`` for the broker's dead-message TTL), never acknowledged as done: a misconfigured
    worker must not silently swallow another database's evaluations."""

    @property
    def actor_options(self) -> set[str]:
        return {"throws"}  # Dramatiq's option: this exception is expected (no traceback logged)

    def after_process_message(
        self, broker: dramatiq.Broker, message: Any, *, result: Any = None, exception: BaseException | None = None
    ) -> None:
        if isinstance(exception, UnknownExecution):
            message.fail()


class QueueWorker:
    def __init__(
        self,
        url: str,
        *,
        instance: str,
        languages: tuple[str, ...],
        runtime_versions: dict[str, str],
        slots: int,
        heartbeat_timeout_s: float,
        handle: Handle,
    ) -> None:
        if not languages:
            raise BrokerUnavailable("this worker has no language to take: build an image (`coderunner images build`)")
        self._wakeups = Wakeups(url)
        self._broker: RedisBroker = make_broker(url, heartbeat_timeout_s, self._wakeups)
        self._client = self._broker.client
        self._ad = WorkerAd(instance, languages, slots, 0.0, runtime_versions)
        self._handle = handle
        self._beat_every_s = heartbeat_timeout_s / 4
        self._broker.add_middleware(_DeadLetterUnknown())
        for language in languages:
            self._broker.declare_queue(queue_name(language))
        dramatiq.Actor(
            self._process,
            broker=self._broker,
            actor_name=ACTOR_NAME,
            queue_name=queue_name(languages[0]),
            priority=0,
            options={"throws": (UnknownExecution,)},
        )
        self._worker = dramatiq.Worker(
            self._broker,
            queues={queue_name(language) for language in languages},
            worker_threads=slots,
            worker_timeout=WORKER_TIMEOUT_MS,
        )
        # Dramatiq prefetches twice its threads per queue; an evaluation a busy worker holds
        # is one an idle worker cannot take, so hold no more than can run.
        self._worker.queue_prefetch = slots
        self._stopping = threading.Event()
        self._beater = threading.Thread(target=self._beat, name="coderunner-heartbeat", daemon=True)

    @property
    def languages(self) -> tuple[str, ...]:
        return self._ad.languages

    def start(self) -> None:
        """Advertises this worker and starts taking messages (raises ``BrokerUnavailable``)."""
        self._advertise()
        self._wakeups.start()
        self._worker.start()
        self._beater.start()

    def stop(self) -> None:
        """Drains: withdraws the advertisement, finishes what runs, requeues what was prefetched."""
        self._stopping.set()
        with contextlib.suppress(BrokerUnavailable):
            withdraw(self._client, self._ad.instance)
        self._worker.stop(timeout=int(DRAIN_TIMEOUT_S * 1000))
        self._wakeups.stop()
        self._beater.join(timeout=5)
        self._client.close()

    def _process(self, execution_id: str) -> None:
        final: Execution | None = None
        try:
            with map_redis_errors(f"count the deliveries of {execution_id}"), self._client.pipeline() as pipe:
                pipe.incr(attempts_key(execution_id))
                pipe.expire(attempts_key(execution_id), ATTEMPTS_TTL_S)
                attempt = int(pipe.execute()[0])
            log.debug("worker.received", execution_id=execution_id, attempt=attempt)
            final = self._handle(execution_id, attempt)
        except UnknownExecution:
            raise  # dead-lettered (_DeadLetterUnknown)
        except Exception as exc:
            # The record tells what happened (the pipeline ended it failed, the outbox wrote
            # it); a raise here would only make Dramatiq dead-letter the message.
            log.error(
                "worker.message_failed", execution_id=execution_id, error=str(exc), error_class=type(exc).__name__
            )
        # Announced however it went: a request waiting for it reads the record then.
        try:
            announce_finished(self._client, execution_id, final)
        except BrokerUnavailable as exc:
            # Logged only: a Redis failure usually drops the API nodes' subscriptions too,
            # and resubscribing they wake every waiter; were one to survive it, its waiter
            # for this id is answered at its next resubscription.
            log.warning("worker.announce_failed", execution_id=execution_id, error=str(exc))

    def _advertise(self) -> None:
        advertise(self._client, dataclasses.replace(self._ad, seen_at=time.time()))

    def _beat(self) -> None:
        """Keeps this worker alive in the broker's eyes while every thread is busy (Dramatiq
        only beats when it fetches) and keeps its advertisement fresh."""
        while not self._stopping.wait(self._beat_every_s):
            try:
                self._advertise()
                for language in self._ad.languages:
                    self._broker.do_qsize(queue_name(language))  # any broker command is a heartbeat
            except Exception as exc:  # the broker may be restarting: beat again later
                log.warning("worker.heartbeat_failed", error=str(exc))
