"""Executions in every state, built from domain objects only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from coderunner.domain.execution import Execution, ExecutionStatus
from coderunner.domain.outcome import AssertionFailure, Grade, TestOutcome, TestStatus, Verdict
from coderunner.domain.submission import Submission, TestCase

CREATED = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)

MakeExecution = Callable[..., Execution]


def submission(test_ids: tuple[str, ...] = ("t1", "t2", "t3")) -> Submission:
    return Submission.create(
        language="cpp",
        code="int add(int a, int b) { return a + b; }",
        tests=[TestCase(i, "1, 2", "3") for i in test_ids],
        challenge_id="sum",
        code_version_id="v1",
        student_id="s-1",
    )


@pytest.fixture
def make_execution() -> MakeExecution:
    """``make_execution(status, verdict, passed=ids, **execution_fields)``; a grade only when a verdict is given."""

    def make(
        status: ExecutionStatus = ExecutionStatus.COMPLETED,
        verdict: Verdict | None = Verdict.ACCEPTED,
        passed: tuple[str, ...] = ("t1", "t2", "t3"),
        graded: tuple[str, ...] = ("t1", "t2", "t3"),
        **fields: object,
    ) -> Execution:
        grade = None
        if verdict is not None:
            grade = Grade(
                verdict=verdict,
                tests=tuple(
                    TestOutcome(i, TestStatus.PASSED, duration_ms=3)
                    if i in passed
                    else TestOutcome(
                        i,
                        TestStatus.FAILED,
                        duration_ms=4,
                        failures=(AssertionFailure("add(1, 2) == 3", expected="3", actual="4", line=7),),
                    )
                    for i in graded
                ),
                run_wall_ms=40,
                run_cpu_ms=12,
                peak_memory_kb=2048,
                compile_output="",
            )
        execution = Execution(
            id="e-1",
            submission=submission(),
            status=status,
            created_at=CREATED,
            started_at=CREATED + timedelta(milliseconds=5) if status is not ExecutionStatus.PENDING else None,
            finished_at=CREATED + timedelta(milliseconds=905) if status.is_terminal else None,
            grade=grade,
        )
        return replace(execution, **fields)  # type: ignore[arg-type]

    return make
