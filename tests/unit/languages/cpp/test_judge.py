"""A test passes only on exit 0 plus a complete report about exactly its own test case."""

from __future__ import annotations

from dataclasses import replace

import pytest

from coderunner.domain.outcome import AssertionFailure, ProcessOutcome, ProcessStatus, TestStatus
from coderunner.domain.submission import DEFAULT_TOLERANCE, Tolerance
from coderunner.languages.cpp.judge import judge_function, judge_program
from coderunner.languages.cpp.program import PlannedTest
from coderunner.languages.program_output import normalise_output

GENERATED = PlannedTest("t1", "cr_n_0", call="twice(2)", expected="4")
CUSTOM = PlannedTest("t2", "cr_n_1", custom=True)


def xml(*cases: str, successes: int = 1, failures: int = 0, passed: int = 1, failed: int = 0) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<doctest binary="harness"><TestSuite>'
        + "".join(cases)
        + f'</TestSuite><OverallResultsAsserts successes="{successes}" failures="{failures}"/>'
        + f'<OverallResultsTestCases successes="{passed}" failures="{failed}"/></doctest>'
    ).encode()


def case(name: str = "cr_n_0", successes: int = 1, failures: int = 0, body: str = "") -> str:
    ok = "true" if failures == 0 and "<Exception" not in body else "false"
    return (
        f'<TestCase name="{name}" filename="harness.cpp" line="9">{body}'
        f'<OverallResultsAsserts successes="{successes}" failures="{failures}" test_case_success="{ok}"/></TestCase>'
    )


def returned(*values: str, name: str = "cr_n_0") -> str:
    """A generated test case as doctest reports it: no assertion, one MESSAGE per value."""
    body = "".join(
        f'<Message type="WARNING" filename="harness.cpp" line="7"><Text>\n      {v}\n    </Text></Message>'
        for v in values
    )
    return case(name, successes=0, body=body)


PASSING = xml(returned("4"), successes=0)
WRONG = xml(returned("5"), successes=0)


def ran(report: bytes, exit_code: int = 0, **extra: object) -> ProcessOutcome:
    status = ProcessStatus.SUCCESS if exit_code == 0 else ProcessStatus.RUNTIME_ERROR
    return ProcessOutcome(status, exit_code=exit_code, report=report, wall_ms=12, **extra)  # type: ignore[arg-type]


def test_exit_zero_and_a_complete_report_of_its_own_test_case_passes() -> None:
    outcome = judge_function(GENERATED, ran(PASSING))
    assert (TestStatus.PASSED, 12) == (outcome.status, outcome.duration_ms)


def test_a_returned_number_passes_within_the_tests_tolerance() -> None:
    """8.181534 for 8.18 passes where the exercise allows 0.01, and fails under the default."""
    test = PlannedTest("t1", "cr_n_0", call="area(1.6138)", expected="8.18", tolerance=Tolerance(absolute=0.01))
    report = ran(xml(returned("8.181534"), successes=0))
    assert TestStatus.PASSED == judge_function(test, report).status
    strict = judge_function(replace(test, tolerance=DEFAULT_TOLERANCE), report)
    assert (TestStatus.FAILED, "returned 8.181534, expected 8.18 (tolerance: absolute 1e-06, relative 1e-06)") == (
        strict.status,
        strict.message,
    )


def test_a_returned_map_or_set_passes_in_any_order() -> None:
    words = PlannedTest("t1", "cr_n_0", call='count("b a")', expected='{"a": 1, "b": 1}')
    assert TestStatus.PASSED == judge_function(words, ran(xml(returned('{"b": 1, "a": 1}'), successes=0))).status
    values = PlannedTest("t1", "cr_n_0", call="distinct([2, 1, 2])", expected="[1, 2]")
    assert TestStatus.PASSED == judge_function(values, ran(xml(returned("{2, 1}"), successes=0))).status


def test_a_wrong_return_value_is_a_wrong_answer_with_expected_and_actual() -> None:
    """The comparison happens here: the process reported 5 and exited 0, which is not a pass."""
    outcome = judge_function(GENERATED, ran(WRONG))
    assert (TestStatus.FAILED, "returned 5, expected 4") == (outcome.status, outcome.message)
    assert (AssertionFailure("twice(2) == 4", expected="4", actual="5"),) == outcome.failures


@pytest.mark.parametrize(
    ("expected", "reported", "passes"),
    [
        ("0.3", "0.30000000000000004", True),  # the default tolerance
        ("2", "2.0", True),
        ("2.5", "2.6", False),
        ('"abc"', '"abc"', True),
        ('"abc"', '"abd"', False),
        ("[[1, 2], [3]]", "[[1, 2], [3]]", True),
        ("[1, 2]", "[1, 2, 3]", False),
        ("null", "null", True),
        ('"a"', "'a'", True),  # "a" is accepted as a char's expected value, so it must match one
        ('"ab"', "'a'", False),
        ('"x"', '"xxxx...', False),  # a value cut short never compares equal
    ],
)
def test_returned_values_are_compared_by_value(expected: str, reported: str, passes: bool) -> None:
    test = PlannedTest("t1", "cr_n_0", call="f()", expected=expected)
    outcome = judge_function(test, ran(xml(returned(reported), successes=0)))
    assert passes == (TestStatus.PASSED == outcome.status)


def test_a_report_with_two_returned_values_does_not_pass() -> None:
    outcome = judge_function(GENERATED, ran(xml(returned("4", "4"), successes=0)))
    assert (TestStatus.FAILED, "the test reported 2 returned values instead of 1") == (outcome.status, outcome.message)


def test_custom_tests_report_their_own_checks() -> None:
    body = '<Expression success="false" type="REQUIRE" filename="tests[1].custom_validation_code" line="2">'
    body += "<Original>f(2) == 4</Original><Expanded>5 == 4</Expanded></Expression>"
    report = xml(case("cr_n_1", 0, 1, body), successes=0, failures=1, passed=0, failed=1)
    outcome = judge_function(CUSTOM, ran(report, exit_code=1))
    assert (TestStatus.FAILED, "1 check failed; first (line 2): f(2) == 4") == (outcome.status, outcome.message)
    assert ("4", "5", 2) == (outcome.failures[0].expected, outcome.failures[0].actual, outcome.failures[0].line)


def test_an_exception_escaping_the_function_is_a_runtime_error() -> None:
    report = xml(
        case(successes=0, body='<Exception crash="false">bad index</Exception>'), successes=0, passed=0, failed=1
    )
    outcome = judge_function(GENERATED, ran(report, exit_code=1))
    assert (TestStatus.RUNTIME_ERROR, "threw an exception: bad index") == (outcome.status, outcome.message)


def test_a_signal_is_a_runtime_error_even_with_a_report() -> None:
    report = xml(case(successes=0, body='<Exception crash="true">SIGSEGV</Exception>'), successes=0, passed=0, failed=1)
    outcome = judge_function(GENERATED, ran(report, exit_code=139, signal="SIGSEGV"))
    assert (TestStatus.RUNTIME_ERROR, "killed by SIGSEGV") == (outcome.status, outcome.message)


@pytest.mark.parametrize(
    ("report", "reason"),
    [
        (b"", "wrote no test report"),  # exit(0) before doctest wrote anything
        (PASSING[:80], "not complete XML"),  # exit(0) halfway: the report is cut off
        (xml(returned("4"), case("cr_n_9"), passed=2), "lists 2 test cases"),  # an extra TEST_CASE
        (xml(returned("4"), returned("4"), successes=0, passed=2), "lists 2 test cases"),  # a second one, our name
        (xml(returned("4", name="cr_n_7"), successes=0), "another test case"),  # a forged report for another test
        (xml(case(successes=0), successes=0), "reported 0 returned values"),  # the harness never got a value
        (xml(returned("4"), successes=5), "totals disagree"),
        (xml(returned("4"), successes=0, passed=2), "test case totals disagree"),
        (xml(), "lists 0 test cases"),
    ],
)
def test_exit_zero_without_an_honest_report_fails(report: bytes, reason: str) -> None:
    outcome = judge_function(GENERATED, ran(report))
    assert TestStatus.FAILED == outcome.status
    assert reason in outcome.message


def test_a_fake_summary_on_stdout_counts_for_nothing() -> None:
    fake = b"[doctest] test cases: 1 | 1 passed | 0 failed\n" + PASSING
    outcome = judge_function(GENERATED, ran(b"", stdout=fake, stderr=fake))
    assert TestStatus.FAILED == outcome.status


def test_a_truncated_report_never_passes() -> None:
    assert TestStatus.FAILED == judge_function(GENERATED, ran(PASSING, report_truncated=True)).status


def test_a_nonzero_exit_without_a_report_is_a_runtime_error() -> None:
    outcome = judge_function(GENERATED, ran(b"", exit_code=3))
    assert TestStatus.RUNTIME_ERROR == outcome.status
    assert outcome.message.startswith("exited with code 3 before the test finished")


def test_a_passing_report_with_a_failing_exit_code_is_not_a_pass() -> None:
    assert TestStatus.RUNTIME_ERROR == judge_function(GENERATED, ran(PASSING, exit_code=7)).status


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (ProcessStatus.TIMEOUT, TestStatus.TIMEOUT),
        (ProcessStatus.MEMORY_LIMIT, TestStatus.MEMORY_LIMIT),
        (ProcessStatus.OUTPUT_LIMIT, TestStatus.OUTPUT_LIMIT),
        (ProcessStatus.NOT_RUN, TestStatus.NOT_RUN),
        (ProcessStatus.INTERNAL_ERROR, TestStatus.INTERNAL_ERROR),
    ],
)
def test_limits_decide_before_any_report(status: ProcessStatus, expected: TestStatus) -> None:
    assert expected == judge_function(GENERATED, ProcessOutcome(status, report=PASSING)).status


PROGRAM_TEST = PlannedTest("p1", expected="Hello World\n3")


@pytest.mark.parametrize("stdout", [b"Hello World\n3", b"Hello World  \r\n3\n\n\n", b"Hello World\n3 \t"])
def test_program_output_matches_ignoring_trailing_whitespace(stdout: bytes) -> None:
    assert (
        TestStatus.PASSED == judge_program(PROGRAM_TEST, ProcessOutcome(ProcessStatus.SUCCESS, 0, stdout=stdout)).status
    )


@pytest.mark.parametrize("stdout", [b" Hello World\n3", b"Hello World\n\n3", b"Hello world\n3", b"Hello World"])
def test_other_program_output_is_a_wrong_answer_showing_stdout(stdout: bytes) -> None:
    outcome = judge_program(PROGRAM_TEST, ProcessOutcome(ProcessStatus.SUCCESS, 0, stdout=stdout))
    assert (TestStatus.FAILED, stdout.decode(), stdout.decode()) == (
        outcome.status,
        outcome.stdout,
        outcome.failures[0].actual,
    )


def test_a_program_that_exits_nonzero_is_a_runtime_error() -> None:
    outcome = judge_program(PROGRAM_TEST, ProcessOutcome(ProcessStatus.RUNTIME_ERROR, 2, stdout=b"Hello World\n3"))
    assert (TestStatus.RUNTIME_ERROR, "exited with code 2") == (outcome.status, outcome.message)


def test_a_killed_program_is_a_runtime_error_naming_the_signal() -> None:
    outcome = judge_program(PROGRAM_TEST, ProcessOutcome(ProcessStatus.RUNTIME_ERROR, None, signal="SIGFPE"))
    assert "killed by SIGFPE" == outcome.message


def test_truncated_program_output_is_an_output_limit() -> None:
    outcome = judge_program(PROGRAM_TEST, ProcessOutcome(ProcessStatus.SUCCESS, 0, stdout=b"x", stdout_truncated=True))
    assert TestStatus.OUTPUT_LIMIT == outcome.status


def test_normalised_output_drops_line_end_whitespace_and_final_newlines() -> None:
    assert b"a\n\n b" == normalise_output(b"a \r\n\n b\t\n\n")
