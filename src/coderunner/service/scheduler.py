"""Slots and a bounded waiting line in front of the pipeline.

At most ``slots`` evaluations run at once and at most ``queue_limit`` wait; beyond that
``submit`` raises ``Overloaded`` at once, before anything is stored, so an overload is a
fast, honest 429 / RESOURCE_EXHAUSTED instead of a collapse. A submission cancelled
while it waits never runs: its record ends ``cancelled`` at once.
"""

from __future__ import annotations

import asyncio
import functools

from coderunner.domain.execution import Execution, RequestInfo
from coderunner.domain.submission import Submission
from coderunner.errors import Overloaded
from coderunner.service.pipeline import Pipeline
from coderunner.service.ports import Metrics, NoMetrics


class Scheduler:
    def __init__(self, pipeline: Pipeline, *, slots: int, queue_limit: int, metrics: Metrics | None = None) -> None:
        self._pipeline = pipeline
        self._slots = asyncio.Semaphore(slots)
        self._slot_count = slots
        self._running = 0  # holding a slot
        self._metrics = metrics or NoMetrics()
        self._metrics.scheduler_state(0, 0, slots)
        self._capacity = slots + queue_limit
        self._admitted = 0
        self._tasks: set[asyncio.Task[Execution]] = set()
        self._entered: set[str] = set()  # executions whose task began running

    @property
    def in_flight(self) -> int:
        return self._admitted

    async def submit(self, submission: Submission, request: RequestInfo) -> tuple[Execution, asyncio.Task[Execution]]:
        """Records ``submission`` and starts evaluating it; returns the pending record and its task.

        Cancelling the task stops the evaluation (its container is removed and the record
        ends ``cancelled``).
        """
        if self._admitted >= self._capacity:
            self._metrics.scheduler_rejected()
            raise Overloaded(f"all {self._capacity} places (running and waiting) are taken; retry later")
        self._admitted += 1
        self._report()
        try:
            execution = await self._pipeline.record(submission, request)
        except BaseException:
            self._admitted -= 1
            self._report()
            raise
        task = asyncio.create_task(self._run(execution), name=f"execution-{execution.id}")
        self._tasks.add(task)
        task.add_done_callback(functools.partial(self._done, execution))
        return execution, task

    async def evaluate(self, submission: Submission, request: RequestInfo) -> Execution:
        """Records and evaluates ``submission``, waiting for the result.

        If the caller is cancelled (client gone), the evaluation is cancelled with it.
        """
        _, task = await self.submit(submission, request)
        return await result_of(task)

    async def _run(self, execution: Execution) -> Execution:
        self._entered.add(execution.id)
        try:
            await self._slots.acquire()
        except asyncio.CancelledError:
            # The caller left while this waited for a slot: it never runs, and its record ends now.
            self._pipeline.abandon(execution)
            raise
        self._running += 1
        self._report()
        try:
            return await self._pipeline.run(execution)
        finally:
            self._running -= 1
            self._slots.release()

    def _done(self, execution: Execution, task: asyncio.Task[Execution]) -> None:
        self._admitted -= 1
        self._report()
        self._tasks.discard(task)
        if execution.id not in self._entered:
            # Cancelled before its first step: the coroutine never ran, not even its own handlers.
            self._pipeline.abandon(execution)
        self._entered.discard(execution.id)

    def _report(self) -> None:
        self._metrics.scheduler_state(self._running, self._admitted - self._running, self._slot_count)

    async def drain(self) -> None:
        """Cancels what is still running or waiting (shutdown); their records end cancelled."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def result_of(task: asyncio.Task[Execution]) -> Execution:
    """Waits for an evaluation's ``task``; if the waiting caller is cancelled, so is the evaluation."""
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise
