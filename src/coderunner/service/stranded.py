"""The sweep of stranded records: unfinished in the store, but with no message in the broker.

An API node records an execution, then queues it. Should it die between the two, or the
broker lose its data beyond what it persisted, the record would stay ``pending`` forever.
Likewise ``running``: a worker holds its message unacknowledged until the final state is
written, and a dead worker's messages go back to the queue; but were the worker to die
and the broker to lose that message, nothing would ever end the record.

Every worker sweeps now and then. A record whose message the broker does not hold is
queued again (a running one goes back to pending) when it is pending and older than
``requeue_after_s``, or running for longer than its own limits allow
(``Limits.max_duration_s``) plus ``requeue_after_s``: a live worker ends its evaluation
within that time, so only a lost one is taken from it. Past ``max_requeues`` it ends
failed / internal_error, saying so.

Several sweepers at once are safe: each requeue is first claimed in the store (one
conditional update of the row, which also restarts its age), so of concurrent sweepers one
queues it; and were a message queued twice all the same, the execution id is the
idempotency key (the consumer grades nothing final again).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog

from coderunner.domain.execution import Execution, ExecutionStatus
from coderunner.errors import CoderunnerError
from coderunner.service.pipeline import Pipeline, utcnow
from coderunner.service.ports import ExecutionStore, WorkQueue

log = structlog.get_logger("coderunner.stranded")

BATCH = 100  # stranded records looked at per sweep; the next sweep takes the rest


@dataclass(frozen=True)
class SweepResult:
    requeued: list[str] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)


class StrandedSweep:
    def __init__(
        self,
        pipeline: Pipeline,
        store: ExecutionStore,
        queue: WorkQueue,
        *,
        requeue_after_s: float,
        max_requeues: int,
    ) -> None:
        self._pipeline = pipeline
        self._store = store
        self._queue = queue
        self._age = timedelta(seconds=requeue_after_s)
        self._max_requeues = max_requeues

    @property
    def every_s(self) -> float:
        """How often ``run`` sweeps: a stranded record waits between one and 1.5 ``requeue_after_s``."""
        return self._age.total_seconds() / 2

    async def run(self) -> None:
        """Sweeps every ``every_s`` until cancelled; a failed sweep (broker or database away)
        is logged and the next one tries again."""
        while True:
            await asyncio.sleep(self.every_s)
            try:
                await self.sweep()
            except CoderunnerError as exc:
                log.warning("stranded.sweep_failed", error=str(exc))

    async def sweep(self, now: datetime | None = None) -> SweepResult:
        """One sweep at ``now`` (default: the clock). Raises ``BrokerUnavailable`` / ``StoreError``."""
        now = now or utcnow()
        older_than = now - self._age
        unfinished = await self._store.stranded(older_than, BATCH)
        if not unfinished:
            return SweepResult()
        # The broker is asked before any claim: while it is away, no requeue is counted.
        held = await self._queue.held(unfinished)
        result = SweepResult()
        for execution in unfinished:
            if execution.id in held:
                continue  # its message waits in the queue, or a worker grades it
            if not self._lost(execution, older_than):
                continue  # running, and its worker may still end it within its limits
            requeues = await self._store.claim_requeue(execution.id, older_than, now)
            if requeues is None:
                continue  # another sweeper took it, or a worker started it
            if requeues > self._max_requeues:
                await self._pipeline.give_up(
                    execution,
                    f"it was queued again {self._max_requeues} times and no worker finished it "
                    "(the broker lost it, the API node that recorded it stopped before queuing it, "
                    "or its worker stopped and the broker lost its message)",
                )
                result.given_up.append(execution.id)
                continue
            log.warning("stranded.requeued", execution_id=execution.id, requeues=requeues, was=execution.status.value)
            await self._queue.requeue(execution)
            result.requeued.append(execution.id)
        return result

    @staticmethod
    def _lost(execution: Execution, older_than: datetime) -> bool:
        """Pending (its age was checked by the store), or running past its own limits too."""
        if execution.status is not ExecutionStatus.RUNNING or execution.started_at is None:
            return True
        deadline = execution.started_at + timedelta(seconds=execution.submission.limits.max_duration_s)
        return deadline < older_than
