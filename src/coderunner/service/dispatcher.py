"""Delivers what the outbox owes: execution events to their sinks, executions to their webhooks.

Runs beside the servers as one background task and never on the grading path: a final
state is committed with its delivery rows (``ExecutionStore.finish``), the pipeline wakes
the dispatcher, and the answer to the client goes out whatever happens to the delivery.
Each claimed delivery is rendered from the stored record and handed to its sink; success
marks it delivered, a failure schedules the next attempt by ``Backoff`` (a webhook's
retries are bounded in time), and a permanent failure abandons it at once. Delivery is at
least once: a dispatcher that dies mid-attempt leaves the row to be retried after its lease.

Usage::

    dispatcher = Dispatcher(deliveries, store, sinks=[redis_sink], webhooks=sender, render=to_json)
    dispatcher.start()   # on the serving event loop
    dispatcher.wake()    # after a final state was stored
    await dispatcher.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog

from coderunner.domain.delivery import WEBHOOK, Backoff, Delivery
from coderunner.domain.events import execution_event
from coderunner.domain.execution import Execution
from coderunner.errors import DeliveryFailed, ExecutionNotFound, StoreError
from coderunner.service.ports import DeliveryStore, EventSink, ExecutionStore, WebhookSender

log = structlog.get_logger("coderunner.deliveries")

RenderExecution = Callable[[Execution], bytes]
"""The webhook body of an execution: the JSON of GET /v1/executions/{id} (given by the entry points)."""


@dataclass(frozen=True)
class DispatchPolicy:
    """How often and how hard to try. ``poll_s``: how often due retries are looked for."""

    events: Backoff = field(default_factory=lambda: Backoff(first_s=1.0, max_s=300.0))
    webhooks: Backoff = field(default_factory=lambda: Backoff(first_s=1.0, max_s=300.0, give_up_after_s=24 * 3600.0))
    poll_s: float = 1.0
    lease_s: float = 120.0  # longer than one attempt can take (timeouts included)
    batch: int = 32


class Dispatcher:
    """Delivers claimed deliveries, a batch at a time, concurrently within the batch."""

    def __init__(
        self,
        deliveries: DeliveryStore,
        store: ExecutionStore,
        *,
        sinks: Sequence[EventSink] = (),
        webhooks: WebhookSender | None = None,
        render: RenderExecution | None = None,
        policy: DispatchPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._deliveries = deliveries
        self._store = store
        self._sinks = {sink.name: sink for sink in sinks}
        # Webhooks need both: the sender, and the entry points' rendering of an execution.
        self._webhook = (webhooks, render) if webhooks is not None and render is not None else None
        self._policy = policy or DispatchPolicy()
        self._clock = clock
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def event_sinks(self) -> list[str]:
        """The event sinks' names: what every final state owes (``ExecutionStore.finish``)."""
        return list(self._sinks)

    @property
    def handles(self) -> list[str]:
        """Every sink name this dispatcher delivers to; rows for others wait for a dispatcher that has them."""
        return [*self._sinks, *([WEBHOOK] if self._webhook else [])]

    def start(self) -> None:
        if self._task is None and self.handles:
            self._task = asyncio.create_task(self._run(), name="coderunner-deliveries")

    def wake(self) -> None:
        """Look for due deliveries now (a final state was just stored)."""
        self._wakeup.set()

    async def stop(self, flush_s: float = 0.0) -> None:
        """Ends the loop and closes the sinks. With ``flush_s``, first tries for up to that long
        to deliver what is due, so that a short-lived process (``coderunner run``) publishes its
        own events. What is left stays owed: an attempt cut short is retried after its lease
        (by this process's next start, or another dispatcher on the same database)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if flush_s > 0 and self.handles:
            with contextlib.suppress(TimeoutError, StoreError):
                await asyncio.wait_for(self.run_once(), flush_s)
        for sink in self._sinks.values():
            await sink.close()
        if self._webhook is not None:
            await self._webhook[0].close()

    async def run_once(self) -> int:
        """Claims and attempts the due deliveries once; returns how many were attempted."""
        claimed = await self._deliveries.claim(
            self.handles, self._clock(), timedelta(seconds=self._policy.lease_s), self._policy.batch
        )
        outcomes = await asyncio.gather(*(self._attempt(delivery) for delivery in claimed), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, StoreError):  # recording the outcome failed: the lease brings it back
                log.warning("delivery.store_unavailable", error=str(outcome))
            elif isinstance(outcome, BaseException):
                raise outcome
        return len(claimed)

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            attempted = 0
            try:
                attempted = await self.run_once()
            except StoreError as exc:
                log.warning("delivery.store_unavailable", error=str(exc))
            except Exception:
                # A bug must not end deliveries for the life of the process: log it, try again later.
                log.exception("delivery.loop_failed")
            if attempted < self._policy.batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._policy.poll_s)

    async def _attempt(self, delivery: Delivery) -> None:
        bound = log.bind(
            execution_id=delivery.execution_id, delivery_id=delivery.id, sink=delivery.sink, attempt=delivery.attempts
        )
        try:
            await self._send(delivery)
        except ExecutionNotFound:
            await self._deliveries.abandon(delivery.id, self._clock(), "the execution no longer exists")
        except DeliveryFailed as exc:
            await self._failed(delivery, exc, bound)
        except StoreError:
            raise  # the record could not be read: the lease brings the delivery back
        except Exception as exc:
            # A bug must not stop the other deliveries; the delivery is retried like a failure.
            bound.exception("delivery.bug")
            await self._failed(delivery, DeliveryFailed(f"{type(exc).__name__}: {exc}"), bound)
        else:
            await self._deliveries.delivered(delivery.id, self._clock())
            bound.info("delivery.delivered")

    async def _send(self, delivery: Delivery) -> None:
        execution = await self._store.get(delivery.execution_id)
        if delivery.sink == WEBHOOK and self._webhook is not None:
            sender, render = self._webhook
            await sender.send(execution.submission.callback_url, delivery.id, render(execution))
            return
        await self._sinks[delivery.sink].publish(delivery.execution_id, execution_event(execution))

    async def _failed(self, delivery: Delivery, error: DeliveryFailed, bound: structlog.BoundLogger) -> None:
        # Where the delivery-failure counter of the metrics (issue 15, point 1) is to be incremented.
        now = self._clock()
        backoff = self._policy.webhooks if delivery.sink == WEBHOOK else self._policy.events
        due = None if error.permanent else backoff.next_attempt(delivery, now)
        if due is None:
            bound.error("delivery.abandoned", error=str(error), permanent=error.permanent)
            await self._deliveries.abandon(delivery.id, now, str(error))
            return
        bound.warning("delivery.failed", error=str(error), retry_in_s=(due - now).total_seconds())
        await self._deliveries.retry_at(delivery.id, due, str(error))
