"""The sweep of stranded records: pending in the store, but with no message in the broker.

An API node records an execution, then queues it. Should it die between the two, or the
broker lose its data beyond what it persisted, the record would stay ``pending`` forever.
Every worker sweeps now and then: a pending record older than ``requeue_after_s`` whose
message the broker does not hold is queued again; past ``max_requeues`` it ends failed /
internal_error, saying so.

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
        pending = await self._store.stranded(older_than, BATCH)
        if not pending:
            return SweepResult()
        # The broker is asked before any claim: while it is away, no requeue is counted.
        held = await self._queue.held(pending)
        result = SweepResult()
        for execution in pending:
            if execution.id in held:
                continue  # its message waits in the queue, or a worker grades it
            requeues = await self._store.claim_requeue(execution.id, older_than, now)
            if requeues is None:
                continue  # another sweeper took it, or a worker started it
            if requeues > self._max_requeues:
                await self._pipeline.give_up(
                    execution,
                    f"it was queued again {self._max_requeues} times and no worker took it "
                    "(the broker lost it, or the API node that recorded it stopped before queuing it)",
                )
                result.given_up.append(execution.id)
                continue
            log.warning("stranded.requeued", execution_id=execution.id, requeues=requeues)
            await self._queue.requeue(execution)
            result.requeued.append(execution.id)
        return result
