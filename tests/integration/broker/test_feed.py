"""The finished feed on a real Redis of the test's own: how a waiting API node learns a result.

An announcement carries the final record when it is small enough, and the waiter answers
with it (no read of the store); without one (too large, unreadable, or a resubscription)
the waiter is woken with None and reads the store.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import redis

from coderunner.broker.feed import RECORD_MAX_BYTES, RedisFinishedFeed, announce_finished, encode_announcement
from coderunner.broker.links import FINISHED_CHANNEL
from coderunner.domain.execution import Execution, ExecutionStatus, ProgramInfo, RequestInfo
from coderunner.domain.outcome import AssertionFailure, Grade, TestOutcome, TestStatus, Verdict
from coderunner.domain.submission import Limits, Submission, TestCase, Tolerance

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def a_graded_execution(stdout: str = "3\n") -> Execution:
    """A final record with every kind of field a grade has (nested, optional, enums, times)."""
    submission = Submission.create(
        language="python",
        code="def add(a, b):\n    return a + b\n",
        tests=[
            TestCase("t1", "add(1, 2)", "3"),
            TestCase("t2", "add(0.1, 0.2)", "0.3", tolerance=Tolerance(absolute=0.01)),
        ],
        limits=Limits(timeout_s=5.5, memory_mb=128),
        function_name="add",
        student_id="s1",
        challenge_id="c1",
    )
    created = datetime(2026, 12, 2, 12, 0, 0, 123456, tzinfo=UTC)
    grade = Grade(
        verdict=Verdict.WRONG_ANSWER,
        tests=(
            TestOutcome("t1", TestStatus.PASSED, duration_ms=2, stdout=stdout),
            TestOutcome(
                "t2",
                TestStatus.FAILED,
                duration_ms=3,
                failures=(AssertionFailure("add(0.1, 0.2) == 0.3", expected="0.3", actual="0.5", line=1),),
                message="expected 0.3, got 0.5",
            ),
        ),
        run_wall_ms=40,
        exit_code=None,
        details={"runner": "pytest"},
    )
    return Execution(
        id=str(uuid.uuid4()),
        submission=submission,
        status=ExecutionStatus.COMPLETED,
        created_at=created,
        request=RequestInfo("127.0.0.1", "bench", "api-1", None),
        started_at=created + timedelta(milliseconds=5),
        finished_at=created + timedelta(milliseconds=400),
        grade=grade,
        program=ProgramInfo("python", "python-function", 2, False, 1, "import sys\n"),
    )


async def announced(url: str, execution_id: str, final: Execution | None, *, raw: bytes | None = None) -> object:
    """What a waiter on ``execution_id`` is woken with, once the feed is subscribed."""
    feed = RedisFinishedFeed(url)
    feed.start()
    try:
        resubscribed = feed.watch(execution_id)
        assert await asyncio.wait_for(resubscribed, 10) is None  # a subscription wakes every waiter, recordless
        waiting = feed.watch(execution_id)
        client = redis.Redis.from_url(url)
        if raw is None:
            announce_finished(client, execution_id, final)
        else:
            client.publish(FINISHED_CHANNEL, raw)
        return await asyncio.wait_for(waiting, 10)
    finally:
        await feed.close()


def test_an_announcement_carries_the_final_record_unchanged(url: str) -> None:
    final = a_graded_execution()
    assert final == asyncio.run(announced(url, final.id, final))


def test_a_record_too_large_to_carry_leaves_the_waiter_to_read_the_store(url: str) -> None:
    final = a_graded_execution(stdout="x" * RECORD_MAX_BYTES)
    assert None is asyncio.run(announced(url, final.id, final))


def test_an_announcement_without_a_record_or_with_an_unreadable_one_means_read_the_store(url: str) -> None:
    final = a_graded_execution()
    assert None is asyncio.run(announced(url, final.id, None))
    assert None is asyncio.run(announced(url, final.id, None, raw=final.id.encode() + b' {"id": 1}'))
    # nor is a record taken for another execution's, or one that is not final
    someone_else = replace(final, id=str(uuid.uuid4()))
    other = encode_announcement(someone_else.id, someone_else)
    assert None is asyncio.run(announced(url, final.id, None, raw=final.id.encode() + b" " + other.partition(b" ")[2]))
    running = replace(final, status=ExecutionStatus.RUNNING, finished_at=None, grade=None)
    assert None is asyncio.run(announced(url, final.id, running))
