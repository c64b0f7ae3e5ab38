"""Proto ↔ domain conversion keeps the original clients' meaning of every field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from coderunner.domain.execution import Execution, ExecutionStatus
from coderunner.domain.outcome import Verdict
from coderunner.domain.submission import DEFAULT_TOLERANCE, InputPolicy, Limits, Tolerance
from coderunner.entrypoints.grpc import convert
from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.errors import InvalidSubmission

MakeExecution = Callable[..., Execution]  # the conftest fixture


DEFAULTS = Limits(timeout_s=30.0, memory_mb=256, cpus=0.5)
POLICY = InputPolicy()


def request(**fields: object) -> pb.ExecutionRequest:
    base: dict[str, object] = {
        "challenge_id": "c",
        "code_version_id": "v",
        "student_id": "s",
        "code": "int add(int a, int b) { return a + b; }",
        "tests": [pb.TestCase(code_version_test_id="t1", input="1, 2", expected_output="3")],
    }
    base.update(fields)
    return pb.ExecutionRequest(**base)  # type: ignore[arg-type]


def to_submission(message: pb.ExecutionRequest):  # type: ignore[no-untyped-def]
    return convert.to_submission(message, policy=POLICY, default_limits=lambda language: DEFAULTS)


def test_the_original_clients_request_becomes_a_cpp_submission_with_default_limits() -> None:
    submission = to_submission(request(language=""))
    assert "cpp" == submission.language
    assert DEFAULTS == submission.limits
    assert None is submission.function_name
    assert ("c", "v", "s") == (submission.challenge_id, submission.code_version_id, submission.student_id)
    assert [("t1", "1, 2", "3", "")] == [
        (t.id, t.input, t.expected_output, t.custom_validation_code) for t in submission.tests
    ]


def test_zero_limits_keep_the_defaults_and_set_ones_override() -> None:
    submission = to_submission(request(limits=pb.Limits(timeout_s=2.5, memory_mb=0, compile_memory_mb=512)))
    assert (2.5, 256, 0.5, 512) == (
        submission.limits.timeout_s,
        submission.limits.memory_mb,
        submission.limits.cpus,
        submission.limits.compile_memory_mb,
    )


def test_without_a_tolerance_the_default_applies() -> None:
    submission = to_submission(request())
    assert (DEFAULT_TOLERANCE, None) == (submission.tolerance, submission.tests[0].tolerance)


def test_tolerances_are_optional_fields_so_zero_is_a_value_not_unset() -> None:
    message = request(
        tolerance=pb.Tolerance(relative=0.0),
        tests=[pb.TestCase(input="1, 2", tolerance=pb.Tolerance(absolute=0.01))],
    )
    submission = to_submission(message)
    assert Tolerance(absolute=DEFAULT_TOLERANCE.absolute, relative=0.0) == submission.tolerance
    assert Tolerance(absolute=0.01) == submission.tests[0].tolerance
    assert Tolerance(absolute=0.01, relative=0.0) == submission.tolerance_for(submission.tests[0])


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (request(code=""), "code"),
        (request(tests=[]), "tests"),
        (
            request(tests=[pb.TestCase(code_version_test_id="a"), pb.TestCase(code_version_test_id="a")]),
            "tests[1].code_version_test_id",
        ),
        (request(limits=pb.Limits(timeout_s=-1)), "limits.timeout_s"),
        (request(limits=pb.Limits(memory_mb=1_000_000)), "limits.memory_mb"),
        (request(limits=pb.Limits(cpus=float("nan"))), "limits.cpus"),
        (request(code="x" * (POLICY.max_code_bytes + 1)), "code"),
        (request(tolerance=pb.Tolerance(absolute=-0.1)), "tolerance.absolute"),
        (request(tolerance=pb.Tolerance(relative=float("inf"))), "tolerance.relative"),
        (
            request(tests=[pb.TestCase(input="1, 2", tolerance=pb.Tolerance(absolute=float("nan")))]),
            "tests[0].tolerance.absolute",
        ),
    ],
)
def test_invalid_requests_name_the_field(message: pb.ExecutionRequest, field: str) -> None:
    with pytest.raises(InvalidSubmission) as caught:
        to_submission(message)
    assert field == caught.value.field


def test_a_wrong_answer_is_completed_but_not_a_success(make_execution: MakeExecution) -> None:
    response = convert.to_response(make_execution(verdict=Verdict.WRONG_ANSWER, passed=("t1", "t3")))
    assert ["t1", "t3"] == list(response.approved_tests)
    assert (True, False) == (response.completed, response.success)
    assert (3, 2, 1) == (response.total_tests, response.passed_tests, response.failed_tests)
    assert "" == response.error_type
    assert "wrong_answer" == response.verdict
    assert "2 of 3 tests passed" == response.message
    assert 900 == response.execution_time_ms
    assert (12, 2.0) == (response.cpu_time_ms, response.peak_memory_mb)
    failed = response.test_results[1]
    assert ("t2", False, "failed", "3", "4", "add(1, 2) == 3") == (
        failed.code_version_test_id,
        failed.passed,
        failed.status,
        failed.expected,
        failed.actual,
        failed.expression,
    )


def test_accepted_is_a_success(make_execution: MakeExecution) -> None:
    response = convert.to_response(make_execution())
    assert (True, True, "", "all 3 tests passed") == (
        response.completed,
        response.success,
        response.error_type,
        response.message,
    )


def test_a_compile_error_reports_the_compiler_output(make_execution: MakeExecution) -> None:
    from dataclasses import replace

    execution = make_execution(verdict=Verdict.COMPILATION_ERROR, passed=(), graded=(), error_type="compilation_error")
    assert execution.grade is not None
    execution = replace(execution, grade=replace(execution.grade, compile_output="main.cpp:1: error: x"))
    response = convert.to_response(execution)
    assert ("compilation_error", "main.cpp:1: error: x") == (response.error_type, response.error_message)
    assert (True, False, 3, 0, 3) == (
        response.completed,
        response.success,
        response.total_tests,
        response.passed_tests,
        response.failed_tests,
    )


def test_an_internal_failure_is_not_completed(make_execution: MakeExecution) -> None:
    execution = make_execution(
        status=ExecutionStatus.FAILED, verdict=None, error_type="internal_error", error_message="engine lost"
    )
    response = convert.to_response(execution)
    assert (False, False, "internal_error", "engine lost", "internal_error") == (
        response.completed,
        response.success,
        response.error_type,
        response.error_message,
        response.verdict,
    )


def test_a_cancelled_execution_is_not_completed(make_execution: MakeExecution) -> None:
    response = convert.to_response(
        make_execution(status=ExecutionStatus.CANCELLED, verdict=None, error_type="cancelled")
    )
    assert (False, "cancelled") == (response.completed, response.error_type)


def test_details_carry_the_record_and_rfc3339_times(make_execution: MakeExecution) -> None:
    details = convert.to_details(make_execution())
    assert ("e-1", "completed", "sum", "v1", "s-1", "cpp") == (
        details.execution_id,
        details.status,
        details.challenge_id,
        details.code_version_id,
        details.student_id,
        details.language,
    )
    assert "2024-05-01T12:00:00Z" == details.created_at
    assert "2024-05-01T12:00:00.905000Z" == details.finished_at
    assert details.result.success


def test_an_unfinished_execution_has_no_finish_time(make_execution: MakeExecution) -> None:
    details = convert.to_details(make_execution(status=ExecutionStatus.RUNNING, verdict=None))
    assert ("running", "", False) == (details.status, details.finished_at, details.result.completed)
    assert 0 == details.result.failed_tests


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "2024-01-02T03:04:05Z"),
        (datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05Z"),
        (datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))), "2024-01-02T03:04:05+02:00"),
    ],
)
def test_rfc3339(moment: datetime, text: str) -> None:
    assert text == convert.rfc3339(moment)


def test_callback_url_is_field_11_and_reaches_the_submission() -> None:
    assert 11 == pb.ExecutionRequest.DESCRIPTOR.fields_by_name["callback_url"].number
    assert (
        "https://hooks.example.com/x" == to_submission(request(callback_url="https://hooks.example.com/x")).callback_url
    )
    with pytest.raises(InvalidSubmission, match="must be an http") as refused:
        to_submission(request(callback_url="gopher://hooks.example.com/"))
    assert "callback_url" == refused.value.field
