"""A database outage never leaves a record unfinished: final states the store refuses are
kept and written once it answers again, the computed grade included."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from coderunner.domain.execution import ExecutionStatus, RequestInfo
from coderunner.domain.submission import Submission
from coderunner.errors import StoreError
from coderunner.service.outbox import FinalState, Outbox
from coderunner.service.pipeline import Pipeline
from coderunner.service.scheduler import Scheduler

pytestmark = pytest.mark.timeout(10)

NOW = datetime(2024, 5, 1, tzinfo=UTC)


async def until_final(store: Any, execution_id: str) -> Any:
    while not (execution := await store.inner.get(execution_id)).status.is_terminal:
        await asyncio.sleep(0.01)
    return execution


async def test_a_grade_computed_while_the_database_is_away_is_written_when_it_returns(
    pipeline: Pipeline, sandbox: Any, store: Any, submission: Submission
) -> None:
    # Given an evaluation running when the database goes away
    scheduler = Scheduler(pipeline, slots=1, queue_limit=0)
    execution, task = await scheduler.submit(submission, RequestInfo())
    await sandbox.started.wait()
    store.down = True
    # When it finishes, the caller is told (StoreError: a 503), and the record still reads running
    sandbox.release.set()
    with pytest.raises(StoreError):
        await task
    assert ExecutionStatus.RUNNING == (await store.inner.get(execution.id)).status
    # Then, once the database is back, the grade is there without anyone asking
    store.down = False
    finished = await until_final(store, execution.id)
    assert (ExecutionStatus.COMPLETED, "accepted") == (finished.status, finished.grade.verdict.value)


async def test_an_evaluation_that_could_not_start_ends_failed_with_the_reason(
    pipeline: Pipeline, store: Any, submission: Submission
) -> None:
    scheduler = Scheduler(pipeline, slots=1, queue_limit=0)
    store.down = True
    with pytest.raises(StoreError):
        await scheduler.evaluate(submission, RequestInfo())
    store.down = False
    execution = await pipeline.record(submission, RequestInfo())  # the database answers again
    store.down = True
    with pytest.raises(StoreError):
        await pipeline.run(execution)
    store.down = False
    failed = await until_final(store, execution.id)
    assert (ExecutionStatus.FAILED, "internal_error") == (failed.status, failed.error_type)
    assert "connection refused" in failed.error_message


async def test_memory_is_bounded_and_the_oldest_state_goes_first(store: Any) -> None:
    outbox = Outbox(store, capacity=2)
    store.down = True
    for execution_id in ("a", "b", "c"):
        outbox.put(execution_id, FinalState(ExecutionStatus.CANCELLED, NOW))
    assert ["b", "c"] == outbox.waiting
    assert ["b", "c"] == await outbox.close(timeout_s=0.1)


async def test_a_state_for_a_record_that_was_never_created_is_dropped(store: Any) -> None:
    outbox = Outbox(store)
    outbox.put("never-created", FinalState(ExecutionStatus.FAILED, NOW))
    assert [] == await outbox.close(timeout_s=5)


async def test_states_of_records_that_may_not_exist_are_dropped_before_any_grade(store: Any) -> None:
    outbox = Outbox(store, capacity=2)
    store.down = True
    outbox.put("graded", FinalState(ExecutionStatus.COMPLETED, NOW))
    for refused in ("refused-1", "refused-2"):
        outbox.put(refused, FinalState(ExecutionStatus.FAILED, NOW), doubtful=True)
    assert ["graded", "refused-2"] == outbox.waiting
    await outbox.close(timeout_s=0.1)
