"""The worker's side of scale-out: one delivered execution id → one graded record.

Delivery is at least once, so the stored record decides what a delivery means (the
execution id is the idempotency key):

* already final → nothing runs again (a redelivery after the grade was written);
* pending, or running because a worker died mid-evaluation → it is graded (again), and
  ``finish`` replaces nothing final: one record, graded once into the store;
* delivered more than ``max_attempts`` times → it ends failed / internal_error, saying so,
  instead of killing worker after worker.

``handle`` returns only once the final state is in the store: when the database refused
it, the worker waits for the outbox to write it rather than acknowledge a message whose
result only its memory holds (were it to die then, the redelivery grades it again).
"""

from __future__ import annotations

import structlog

from coderunner.domain.execution import Execution
from coderunner.errors import ExecutionNotFound
from coderunner.service.pipeline import Pipeline
from coderunner.service.ports import ExecutionStore

log = structlog.get_logger("coderunner.consumer")


class Consumer:
    def __init__(self, pipeline: Pipeline, store: ExecutionStore, *, max_attempts: int) -> None:
        self._pipeline = pipeline
        self._store = store
        self._max_attempts = max_attempts

    async def handle(self, execution_id: str, attempt: int) -> Execution | None:
        """Grades ``execution_id`` on its ``attempt``-th delivery (1 = first) unless its record
        is already final; returns the final record, or None when there is no such record.

        Within its attempts, the claim (pending or running → running) is the first store
        call and returns the record, so a delivery costs no read before it."""
        within = attempt <= self._max_attempts
        try:
            execution = await (self._pipeline.start(execution_id) if within else self._store.get(execution_id))
        except ExecutionNotFound:
            log.error("consumer.unknown_execution", execution_id=execution_id)
            return None
        if execution.status.is_terminal:
            log.info("consumer.already_final", execution_id=execution_id, status=execution.status.value)
            return execution
        if not within:
            await self._pipeline.give_up(
                execution,
                f"its evaluation was started {attempt - 1} times and each worker stopped before it finished",
            )
            return await self._store.get(execution_id)
        if attempt > 1:
            log.warning("consumer.redelivered", execution_id=execution_id, attempt=attempt)
        try:
            return await self._pipeline.run(execution, started=True)
        except Exception:
            await self._pipeline.final_written(execution_id)
            raise
