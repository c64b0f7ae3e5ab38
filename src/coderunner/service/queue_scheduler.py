"""The API node's side of scale-out: record, enqueue, wait for a worker's result.

``QueueScheduler`` answers like the embedded ``Scheduler`` (``submit``, ``evaluate``,
``drain``, ``in_flight``), so REST, gRPC and the CLI do not know which one serves them.
Admission is bounded by the store, the one place every API node sees: past
``queue_limit`` unfinished executions in the cluster, or ``student_limit`` of one
student, ``submit`` raises ``Overloaded`` (429 / RESOURCE_EXHAUSTED) and nothing is
stored, so one student flooding the queue cannot take every place. The store counts in
the transaction that inserts (``Admission``), so concurrent submissions to any number
of API nodes never overshoot a bound.

Waiting is pushed, never polled: the wait is registered with the ``FinishedFeed`` before
the execution is queued, so no announcement can come before it. An announcement that
carries the final record answers without a read; otherwise (no record carried, or a
resubscription of the feed, which may have missed some) the store is read. Cancelling a waiting
task (client gone, server stopping) stops the wait only: the evaluation belongs to the
cluster now and its record still ends with its verdict.
"""

from __future__ import annotations

import asyncio

import structlog

from coderunner.domain.execution import Execution, RequestInfo
from coderunner.domain.submission import Submission
from coderunner.errors import InfrastructureError
from coderunner.service.pipeline import Pipeline
from coderunner.service.ports import Admission, ExecutionStore, FinishedFeed, WorkQueue

log = structlog.get_logger("coderunner.dispatcher")


class QueueScheduler:
    def __init__(
        self,
        pipeline: Pipeline,
        store: ExecutionStore,
        queue: WorkQueue,
        finished: FinishedFeed,
        *,
        queue_limit: int,
        student_limit: int,
    ) -> None:
        self._pipeline = pipeline
        self._store = store
        self._queue = queue
        self._finished = finished
        self._admission = Admission(queue_limit=queue_limit, student_limit=student_limit)
        self._tasks: set[asyncio.Task[Execution]] = set()

    @property
    def in_flight(self) -> int:
        """Requests of this node waiting for a worker's result."""
        return len(self._tasks)

    async def submit(self, submission: Submission, request: RequestInfo) -> tuple[Execution, asyncio.Task[Execution]]:
        """Records ``submission``, queues it, and returns the pending record and a task that
        resolves to the final record. Raises ``Overloaded`` past the limits and
        ``BrokerUnavailable`` when it cannot be queued (its record then ends failed)."""
        execution = await self._pipeline.record(submission, request, self._admission)
        announced = self._finished.watch(execution.id)
        try:
            await self._queue.enqueue(execution)
        except InfrastructureError as exc:
            self._finished.unwatch(execution.id, announced)
            await self._pipeline.give_up(execution, f"it could not be queued for a worker: {exc}")
            raise
        task = asyncio.create_task(self._result(execution.id, announced), name=f"await-{execution.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return execution, task

    async def evaluate(self, submission: Submission, request: RequestInfo) -> Execution:
        """Records, queues and waits for ``submission``'s final record."""
        _, task = await self.submit(submission, request)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            task.cancel()
            raise

    async def drain(self) -> None:
        """Stops every wait (shutdown); the evaluations go on in the workers."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _result(self, execution_id: str, announced: asyncio.Future[Execution | None]) -> Execution:
        try:
            while True:
                final = await announced
                self._finished.unwatch(execution_id, announced)
                if final is not None:
                    return final  # what the worker read back from the store when it wrote it
                announced = self._finished.watch(execution_id)  # before the read: nothing slips between
                execution = await self._store.get(execution_id)
                if execution.status.is_terminal:
                    return execution
        finally:
            self._finished.unwatch(execution_id, announced)
