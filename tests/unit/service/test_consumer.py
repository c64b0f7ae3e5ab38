"""What one delivery of an execution id means to a worker: the stored record decides.

At-least-once delivery must never grade a submission twice into the store, nor leave one
running because the worker that had it died.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from coderunner.domain.execution import ExecutionStatus, RequestInfo
from coderunner.domain.submission import Submission
from coderunner.errors import StoreError
from coderunner.service.consumer import Consumer
from coderunner.service.pipeline import Pipeline

pytestmark = pytest.mark.timeout(10)


async def test_a_final_record_delivered_again_is_not_graded_again(
    pipeline: Pipeline, sandbox: Any, store: Any, submission: Submission
) -> None:
    # Given an execution graded on its first delivery
    sandbox.release.set()
    consumer = Consumer(pipeline, store, max_attempts=3)
    recorded = await pipeline.record(submission, RequestInfo())
    first = await consumer.handle(recorded.id, attempt=1)
    # When it is delivered again
    again = await consumer.handle(recorded.id, attempt=2)
    # Then nothing runs a second time and the record is the first grade's
    assert 1 == sandbox.jobs
    assert first == again
    assert first is not None
    assert ExecutionStatus.COMPLETED == first.status


async def test_a_record_left_running_by_a_dead_worker_is_graded_on_redelivery(
    pipeline: Pipeline, sandbox: Any, store: Any, submission: Submission
) -> None:
    # Given an execution its first worker marked running, then died
    sandbox.release.set()
    recorded = await pipeline.record(submission, RequestInfo())
    await store.mark_running(recorded.id, datetime.now(UTC))
    # When another worker gets it
    graded = await Consumer(pipeline, store, max_attempts=3).handle(recorded.id, attempt=2)
    # Then it is graded, once, into the same record
    assert graded is not None
    assert (ExecutionStatus.COMPLETED, 1) == (graded.status, sandbox.jobs)


async def test_past_its_attempts_an_execution_ends_failed_saying_why(
    pipeline: Pipeline, sandbox: Any, store: Any, submission: Submission
) -> None:
    # Given an execution whose workers died twice, with two attempts allowed
    recorded = await pipeline.record(submission, RequestInfo())
    # When it is delivered a third time
    ended = await Consumer(pipeline, store, max_attempts=2).handle(recorded.id, attempt=3)
    # Then it is not run, and ends failed with the reason
    assert ended is not None
    assert (ExecutionStatus.FAILED, "internal_error", 0) == (ended.status, ended.error_type, sandbox.jobs)
    assert "started 2 times" in ended.error_message


async def test_an_unknown_id_is_dropped(pipeline: Pipeline, store: Any) -> None:
    assert None is await Consumer(pipeline, store, max_attempts=3).handle("no-such-id", attempt=1)


async def test_a_worker_holds_the_message_until_a_refused_final_state_is_written(
    pipeline: Pipeline, sandbox: Any, store: Any, submission: Submission
) -> None:
    # Given an evaluation whose grade the database refuses (it went away mid-evaluation)
    recorded = await pipeline.record(submission, RequestInfo())
    handling = asyncio.create_task(Consumer(pipeline, store, max_attempts=3).handle(recorded.id, attempt=1))
    await sandbox.started.wait()
    store.down = True
    sandbox.release.set()
    await asyncio.sleep(0.5)
    # Then the worker has not let go of it (its message stays unacknowledged)
    assert not handling.done()
    # When the database is back, the grade is written and only then does handling end
    store.down = False
    with pytest.raises(StoreError):
        await handling
    assert ExecutionStatus.COMPLETED == (await store.get(recorded.id)).status
