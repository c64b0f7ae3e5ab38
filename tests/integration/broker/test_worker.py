"""A queue worker on a real Redis of the test's own: what a waiting API node relies on.

Whatever happened to an evaluation, its worker announces it once done with it, so that a
request waiting for it is answered (with the record, or by reading the store).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import replace

import pytest
from broker_executions import an_execution

from coderunner.broker.feed import RedisFinishedFeed
from coderunner.broker.work_queue import RedisWorkQueue
from coderunner.broker.worker import QueueWorker
from coderunner.domain.execution import Execution, ExecutionStatus
from coderunner.errors import SandboxUnavailable

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


async def woken_with(url: str, handle: Callable[[str, int], Execution | None]) -> Execution | None:
    """What a request waiting for one queued execution is woken with, ``handle`` grading it."""
    execution = an_execution()
    worker = QueueWorker(
        url,
        instance=f"w-{uuid.uuid4().hex[:6]}",
        languages=("python",),
        runtime_versions={},
        slots=1,
        heartbeat_timeout_s=15,
        handle=handle,
    )
    feed, queue = RedisFinishedFeed(url), RedisWorkQueue(url, heartbeat_timeout_s=15)
    feed.start()
    await asyncio.wait_for(feed.watch(execution.id), 10)  # subscribed (it wakes every waiter)
    worker.start()
    try:
        waiting = feed.watch(execution.id)
        await queue.enqueue(execution)
        return await asyncio.wait_for(waiting, 30)
    finally:
        await asyncio.to_thread(worker.stop)
        await feed.close()
        queue.close()


def test_a_graded_execution_is_announced_with_its_final_record(url: str) -> None:
    graded: list[Execution] = []

    def grade(execution_id: str, attempt: int) -> Execution:
        graded.append(replace(an_execution(), id=execution_id, status=ExecutionStatus.COMPLETED))
        return graded[-1]

    woken = asyncio.run(woken_with(url, grade))
    assert graded == [woken]


def test_an_evaluation_that_failed_in_the_worker_is_announced_all_the_same(url: str) -> None:
    # The pipeline ended its record failed and raised: the waiter must still be woken, to read it
    def fail(execution_id: str, attempt: int) -> Execution:
        raise SandboxUnavailable("the Docker engine did not answer")

    assert None is asyncio.run(woken_with(url, fail))
