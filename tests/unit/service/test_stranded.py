"""The sweep of stranded records: unfinished in the store, with no message in the broker.

The real pipeline and SQL store; the broker is an in-memory queue that knows which
executions it holds (the sweep's only question to it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from coderunner.domain.execution import Execution, ExecutionStatus, RequestInfo
from coderunner.domain.submission import Submission
from coderunner.errors import BrokerUnavailable
from coderunner.service.pipeline import Pipeline
from coderunner.service.stranded import StrandedSweep

pytestmark = pytest.mark.timeout(10)
AGE_S = 60


class MemoryQueue:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.down = False

    async def enqueue(self, execution: Execution) -> None:
        await self.requeue(execution)

    async def requeue(self, execution: Execution) -> None:
        if self.down:
            raise BrokerUnavailable("the broker failed to queue: connection refused")
        self.messages.append(execution.id)

    async def held(self, executions: Sequence[Execution]) -> set[str]:
        if self.down:
            raise BrokerUnavailable("the broker failed to look up queued executions: connection refused")
        return {execution.id for execution in executions} & set(self.messages)


def sweep_of(pipeline: Pipeline, store: Any, queue: MemoryQueue, max_requeues: int = 2) -> StrandedSweep:
    return StrandedSweep(pipeline, store, queue, requeue_after_s=AGE_S, max_requeues=max_requeues)


def later(execution: Execution, seconds: float) -> datetime:
    return execution.created_at + timedelta(seconds=seconds)


async def test_only_an_old_pending_record_without_a_message_is_queued_again(
    pipeline: Pipeline, store: Any, submission: Submission
) -> None:
    # Given three pending records: one whose message was lost, one still queued, one recent
    queue = MemoryQueue()
    lost = await pipeline.record(submission, RequestInfo())
    queued = await pipeline.record(submission, RequestInfo())
    queue.messages.append(queued.id)
    recent = await pipeline.record(submission, RequestInfo())
    # When the sweep runs once the first two are old, the third not
    result = await sweep_of(pipeline, store, queue).sweep(later(recent, AGE_S) - timedelta(microseconds=1))
    # Then the lost one alone is queued again, and it stays pending for a worker
    assert [lost.id] == result.requeued
    assert [queued.id, lost.id] == queue.messages
    assert ExecutionStatus.PENDING == (await store.get(lost.id)).status


async def test_concurrent_sweeps_queue_a_stranded_record_once(
    pipeline: Pipeline, store: Any, submission: Submission
) -> None:
    queue = MemoryQueue()
    lost = await pipeline.record(submission, RequestInfo())
    now = later(lost, AGE_S + 1)
    await asyncio.gather(*(sweep_of(pipeline, store, queue).sweep(now) for _ in range(3)))
    assert [lost.id] == queue.messages


async def test_past_its_requeues_a_record_ends_failed_saying_why(
    pipeline: Pipeline, store: Any, submission: Submission
) -> None:
    # Given a record whose message the broker loses every time, and two requeues allowed
    queue = MemoryQueue()
    lost = await pipeline.record(submission, RequestInfo())
    sweep = sweep_of(pipeline, store, queue, max_requeues=2)
    # When three periods pass, the broker losing its message each time
    outcomes = []
    for period in (1, 2, 3):
        queue.messages.clear()
        outcomes.append(await sweep.sweep(later(lost, period * (AGE_S + 1))))
    # Then it was queued again twice, then ended failed with the reason
    assert [[lost.id], [lost.id], []] == [outcome.requeued for outcome in outcomes]
    assert [lost.id] == outcomes[2].given_up
    await pipeline.final_written(lost.id)
    ended = await store.get(lost.id)
    assert (ExecutionStatus.FAILED, "internal_error") == (ended.status, ended.error_type)
    assert "queued again 2 times and no worker finished it" in ended.error_message


async def test_while_the_broker_is_away_no_requeue_is_counted(
    pipeline: Pipeline, store: Any, submission: Submission
) -> None:
    # Given a stranded record and a broker that is away
    queue = MemoryQueue()
    queue.down = True
    lost = await pipeline.record(submission, RequestInfo())
    sweep = sweep_of(pipeline, store, queue, max_requeues=1)
    # When sweeps fail while it is away, then one runs once it is back
    for period in (1, 2):
        with pytest.raises(BrokerUnavailable):
            await sweep.sweep(later(lost, period * (AGE_S + 1)))
    queue.down = False
    result = await sweep.sweep(later(lost, 3 * (AGE_S + 1)))
    # Then the record is queued again, not given up
    assert [lost.id] == result.requeued


async def test_a_running_record_without_a_message_is_queued_again_only_past_its_own_limits(
    pipeline: Pipeline, store: Any, submission: Submission
) -> None:
    # Given two records a worker started, then died: the broker lost one's message, holds the other's
    queue = MemoryQueue()
    lost = await pipeline.start((await pipeline.record(submission, RequestInfo())).id)
    held = await pipeline.start((await pipeline.record(submission, RequestInfo())).id)
    queue.messages.append(held.id)
    assert lost.started_at is not None
    sweep = sweep_of(pipeline, store, queue)
    deadline = lost.started_at + timedelta(seconds=submission.limits.max_duration_s + AGE_S)
    # When the sweep runs while a live worker could still be grading it, then once that time is past
    early = await sweep.sweep(deadline - timedelta(seconds=1))
    late = await sweep.sweep(deadline + timedelta(seconds=1))
    # Then it is left alone at first, then queued again, back to pending; the held one never
    assert ([], [lost.id]) == (early.requeued, late.requeued)
    assert [held.id, lost.id] == queue.messages
    requeued = await store.get(lost.id)
    assert (ExecutionStatus.PENDING, None) == (requeued.status, requeued.started_at)
    assert ExecutionStatus.RUNNING == (await store.get(held.id)).status
