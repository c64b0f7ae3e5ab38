"""A Python test passes only on exit 0 plus one report carrying its own nonce; values are
compared here, out of process."""

from __future__ import annotations

import json

import pytest

from coderunner.domain.outcome import ProcessOutcome, ProcessStatus, TestStatus
from coderunner.languages.literals import parse_value
from coderunner.languages.python.judge import judge_function, judge_program
from coderunner.languages.python.plan import PlannedTest

NONCE = "5eed"
CALL = PlannedTest("t1", NONCE, call="add(1, 2)", expected="3", expected_value=parse_value("3"))
FLOAT = PlannedTest("t2", NONCE, call="avg([1, 2])", expected="1.5", expected_value=parse_value("1.5"))
CUSTOM = PlannedTest("c1", NONCE, custom=True)
PROGRAM = PlannedTest("p1", expected="Hello")


def report(**fields: object) -> bytes:
    return json.dumps({"nonce": NONCE, **fields}).encode()


def ran(data: bytes, exit_code: int = 0, **kwargs: object) -> ProcessOutcome:
    status = ProcessStatus.SUCCESS if exit_code == 0 else ProcessStatus.RUNTIME_ERROR
    return ProcessOutcome(status, exit_code, report=data, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("test", "value", "status"),
    [
        (CALL, "3", TestStatus.PASSED),
        (CALL, "3.0", TestStatus.PASSED),
        (CALL, "4", TestStatus.FAILED),
        (CALL, '"3"', TestStatus.FAILED),
        (CALL, "nan", TestStatus.FAILED),
        (CALL, "3 3", TestStatus.FAILED),
        (FLOAT, "1.5000000001", TestStatus.PASSED),
        (FLOAT, "1.51", TestStatus.FAILED),
    ],
)
def test_the_returned_value_is_compared_with_the_expected_literal(
    test: PlannedTest, value: str, status: TestStatus
) -> None:
    assert status == judge_function(test, ran(report(kind="value", value=value))).status


def test_a_failed_comparison_shows_the_call_and_both_values() -> None:
    outcome = judge_function(CALL, ran(report(kind="value", value="4")))

    assert "returned 4, expected 3" == outcome.message
    assert ("add(1, 2) == 3", "3", "4") == (
        outcome.failures[0].expression,
        outcome.failures[0].expected,
        outcome.failures[0].actual,
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "it wrote no report"),
        (json.dumps({"nonce": "guess", "kind": "value", "value": "3"}).encode(), "does not come from the harness"),
        (report(kind="value", value="3") * 2, "not one JSON object"),
        (b"[1, 2]", "does not come from the harness"),
        (report(kind="passed"), "its report is about something else"),
    ],
    ids=["none", "wrong_nonce", "two_reports", "not_an_object", "a_custom_result"],
)
def test_a_report_that_is_not_the_harness_s_own_is_no_pass(data: bytes, problem: str) -> None:
    outcome = judge_function(CALL, ran(data))

    assert TestStatus.FAILED == outcome.status
    assert problem in outcome.message


def test_a_report_does_not_help_a_process_that_failed() -> None:
    outcome = judge_function(
        CALL, ran(report(kind="value", value="3"), exit_code=1, stderr=b"Traceback\nValueError: x\n")
    )

    assert (TestStatus.RUNTIME_ERROR, "raised ValueError: x") == (outcome.status, outcome.message)


def test_exit_90_is_a_memory_limit() -> None:
    outcome = judge_function(CALL, ran(report(kind="raised", message="RecursionError: too deep"), exit_code=90))

    assert (TestStatus.MEMORY_LIMIT, "exceeded the memory limit (RecursionError: too deep)") == (
        outcome.status,
        outcome.message,
    )


def test_sandbox_limits_come_first() -> None:
    outcome = judge_function(CALL, ProcessOutcome(ProcessStatus.TIMEOUT, None, signal="SIGKILL"))

    assert TestStatus.TIMEOUT == outcome.status


def test_custom_validation_passes_only_on_its_own_kind_of_report() -> None:
    assert TestStatus.PASSED == judge_function(CUSTOM, ran(report(kind="passed"))).status
    assert TestStatus.FAILED == judge_function(CUSTOM, ran(report(kind="value", value="3"))).status


def test_a_failed_custom_assert_keeps_its_evidence() -> None:
    failed = report(
        kind="failed", expression="add(1, 2) == 4", line=3, actual="3", expected="4", message="assert 3 == 4"
    )

    outcome = judge_function(CUSTOM, ran(failed))

    assert "assertion failed (line 3): assert add(1, 2) == 4" == outcome.message
    assert ("3", "4", 3) == (outcome.failures[0].actual, outcome.failures[0].expected, outcome.failures[0].line)


def test_whole_programs_compare_stdout_and_explain_exceptions() -> None:
    assert (
        TestStatus.PASSED == judge_program(PROGRAM, ProcessOutcome(ProcessStatus.SUCCESS, 0, stdout=b"Hello \n")).status
    )
    crashed = judge_program(PROGRAM, ProcessOutcome(ProcessStatus.RUNTIME_ERROR, 1, stderr=b"EOFError: EOF\n"))
    deep = judge_program(PROGRAM, ProcessOutcome(ProcessStatus.RUNTIME_ERROR, 90, stderr=b"RecursionError: x\n"))
    killed = judge_program(PROGRAM, ProcessOutcome(ProcessStatus.TIMEOUT, None, signal="SIGKILL"))

    assert (TestStatus.RUNTIME_ERROR, "raised EOFError: EOF") == (crashed.status, crashed.message)
    assert TestStatus.MEMORY_LIMIT == deep.status
    assert TestStatus.TIMEOUT == killed.status
