"""The execution event carries the replaced service's ExecutionMetricsEvent fields, with their meanings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from coderunner.domain.delivery import Backoff, Delivery
from coderunner.domain.events import execution_event
from coderunner.domain.execution import Execution, ExecutionStatus, RequestInfo
from coderunner.domain.outcome import AssertionFailure, Grade, TestOutcome, TestStatus, Verdict
from coderunner.domain.submission import Submission, TestCase

T0 = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
FIELDS = [
    "execution_id", "challenge_id", "code_version_id", "student_id", "language", "status", "timestamp",
    "execution_time_ms", "memory_usage_mb", "exit_code", "total_tests", "passed_tests", "failed_tests", "success",
    "error_message", "error_type", "compilation_success", "compilation_time_ms", "compilation_error",
    "test_results", "server_instance",
]  # fmt: skip


def an_execution(status: ExecutionStatus, grade: Grade | None, error_type: str = "", message: str = "") -> Execution:
    submission = Submission.create(
        language="cpp",
        code="int f() { return 1; }",
        tests=[TestCase("t1", "", "1"), TestCase("t2", "", "2")],
        challenge_id="c-1",
        code_version_id="v-1",
        student_id="s-1",
    )
    return Execution(
        id="e-1",
        submission=submission,
        status=status,
        created_at=T0,
        request=RequestInfo(server_instance="node-a"),
        started_at=T0,
        finished_at=T0 + timedelta(milliseconds=1500),
        grade=grade,
        error_type=error_type,
        error_message=message,
    )


def test_a_wrong_answer_reports_counts_times_memory_and_each_test() -> None:
    grade = Grade(
        Verdict.WRONG_ANSWER,
        tests=(
            TestOutcome("t1", TestStatus.PASSED, duration_ms=3),
            TestOutcome(
                "t2", TestStatus.FAILED, duration_ms=4, failures=(AssertionFailure("f() == 2", "2", "1", 9, "no"),)
            ),
        ),
        peak_memory_kb=3072,
        compile_wall_ms=700,
        exit_code=1,
    )
    event = execution_event(an_execution(ExecutionStatus.COMPLETED, grade))
    assert FIELDS == list(event)
    assert {
        "execution_id": "e-1",
        "challenge_id": "c-1",
        "code_version_id": "v-1",
        "student_id": "s-1",
        "language": "cpp",
        "status": "completed",
        "timestamp": "2026-05-01T12:00:01.500000Z",
        "execution_time_ms": 1500,
        "memory_usage_mb": 3.0,
        "exit_code": 1,
        "total_tests": 2,
        "passed_tests": 1,
        "failed_tests": 1,
        "success": False,
        "error_message": "",
        "error_type": "",
        "compilation_success": True,
        "compilation_time_ms": 700,
        "compilation_error": "",
        "test_results": [
            {"test_id": "t1", "passed": True, "execution_time_ms": 3, "error_message": ""},
            {"test_id": "t2", "passed": False, "execution_time_ms": 4, "error_message": "no"},
        ],
        "server_instance": "node-a",
    } == event


def test_a_compilation_error_reports_the_compiler_output() -> None:
    grade = Grade(
        Verdict.COMPILATION_ERROR, compile_output="a.cpp:1: error", error_message="a.cpp:1: error", exit_code=1
    )
    event = execution_event(an_execution(ExecutionStatus.COMPLETED, grade, "compilation_error"))
    assert (False, "a.cpp:1: error", "compilation_error", 0) == (
        event["compilation_success"],
        event["compilation_error"],
        event["error_type"],
        event["passed_tests"],
    )


def test_an_ungraded_execution_still_has_an_event() -> None:
    event = execution_event(an_execution(ExecutionStatus.CANCELLED, None, "cancelled", "the caller left"))
    assert ("cancelled", "cancelled", "the caller left", [], -1, False) == (
        event["status"],
        event["error_type"],
        event["error_message"],
        event["test_results"],
        event["exit_code"],
        event["compilation_success"],
    )
    assert (2, 0, 2) == (event["total_tests"], event["passed_tests"], event["failed_tests"])


def test_backoff_doubles_up_to_its_cap_and_gives_up_after_its_time() -> None:
    backoff = Backoff(first_s=1, max_s=4, give_up_after_s=10)
    assert [1, 2, 4, 4] == [backoff.delay(n).total_seconds() for n in (1, 2, 3, 4)]
    delivery = Delivery("d", "e", "webhook", attempts=3, created_at=T0)
    assert T0 + timedelta(seconds=9) == backoff.next_attempt(delivery, T0 + timedelta(seconds=5))
    assert backoff.next_attempt(delivery, T0 + timedelta(seconds=7)) is None
