"""One Java test's verdict from its process's outcome: only a report with the nonce counts."""

from __future__ import annotations

import pytest

from coderunner.domain.outcome import AssertionFailure, ProcessOutcome, ProcessStatus, TestStatus
from coderunner.domain.submission import Mode, Tolerance
from coderunner.languages.java.judge import custom_lines, judge_function, judge_program
from coderunner.languages.java.program import Plan, PlannedTest
from coderunner.languages.literals import parse_value

NONCE = "0f" * 16
TEST = PlannedTest("t1", call="f(1)", expected="[1.5, 2]", expected_value=parse_value("[1.5, 2]"))


def _outcome(report: str, exit_code: int = 0, **fields: object) -> ProcessOutcome:
    status = ProcessStatus.SUCCESS if exit_code == 0 else ProcessStatus.RUNTIME_ERROR
    return ProcessOutcome(status, exit_code=exit_code, report=report.encode(), **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("returned", ["[1.5, 2]", "[1.5000000001, 2.0]"])
def test_a_returned_value_equal_to_the_expected_one_passes(returned: str) -> None:
    assert TestStatus.PASSED == judge_function(TEST, _outcome(f"{NONCE}\nvalue\n{returned}"), NONCE).status


def test_a_different_value_fails_showing_both() -> None:
    judged = judge_function(TEST, _outcome(f"{NONCE}\nvalue\n[1.5]"), NONCE)

    expected = "returned [1.5], expected [1.5, 2] (tolerance: absolute 1e-06, relative 1e-06)"
    assert (TestStatus.FAILED, expected) == (judged.status, judged.message)
    assert ("[1.5, 2]", "[1.5]") == (judged.failures[0].expected, judged.failures[0].actual)


@pytest.mark.parametrize(
    "report",
    [
        "",  # exited before the harness reported
        "1234\nvalue\n[1.5, 2]",  # another nonce
        f"{NONCE}\nvalue\n[1.5, 2]{NONCE}\nvalue\n[1.5, 2]",  # written twice: garbage after the value
        f"{NONCE}\npassed\n",  # a kind the harness writes for custom bodies only
        f"{NONCE} value [1.5, 2]",
    ],
)
def test_no_believable_report_is_no_pass(report: str) -> None:
    judged = judge_function(TEST, _outcome(report), NONCE)

    assert TestStatus.FAILED == judged.status
    assert judged.message.startswith(("the test did not finish", "returned"))


def test_a_report_whose_kind_disagrees_with_the_exit_status_is_not_believed() -> None:
    judged = judge_function(TEST, _outcome(f"{NONCE}\nvalue\n[1.5, 2]", exit_code=1), NONCE)

    assert (TestStatus.RUNTIME_ERROR, "exited with code 1 before the test finished") == (judged.status, judged.message)


def test_exceptions_are_runtime_errors_and_exhaustion_is_a_memory_limit() -> None:
    raised = judge_function(TEST, _outcome(f"{NONCE}\nraised\njava.lang.ArithmeticException: / by zero", 1), NONCE)
    memory = judge_function(TEST, _outcome(f"{NONCE}\nmemory\njava.lang.StackOverflowError", 90), NONCE)

    assert (TestStatus.RUNTIME_ERROR, "threw java.lang.ArithmeticException: / by zero") == (
        raised.status,
        raised.message,
    )
    assert (TestStatus.MEMORY_LIMIT, "exceeded the memory limit (java.lang.StackOverflowError)") == (
        memory.status,
        memory.message,
    )


def test_a_value_that_cannot_be_compared_fails_with_the_harness_explanation() -> None:
    judged = judge_function(TEST, _outcome(f"{NONCE}\nnot_plain\nreturned an object of class Foo"), NONCE)

    assert (TestStatus.FAILED, "returned an object of class Foo") == (judged.status, judged.message)


def test_a_whole_program_is_judged_by_its_output_and_explains_its_exception() -> None:
    test = PlannedTest("t1", expected="3\n")
    thrown = ProcessOutcome(
        ProcessStatus.RUNTIME_ERROR,
        exit_code=1,
        stderr=b'Exception in thread "main" java.lang.IllegalStateException: no\n\tat Main.main(Main.java:3)\n',
    )

    assert TestStatus.PASSED == judge_program(test, ProcessOutcome(ProcessStatus.SUCCESS, 0, stdout=b"3  \n\n")).status
    assert "threw java.lang.IllegalStateException: no" == judge_program(test, thrown).message
    memory = ProcessOutcome(ProcessStatus.RUNTIME_ERROR, exit_code=90, stderr=b"java.lang.OutOfMemoryError\n")
    assert TestStatus.MEMORY_LIMIT == judge_program(test, memory).status


def test_a_returned_double_is_compared_with_the_tests_tolerance() -> None:
    test = PlannedTest("t1", "area(1.0)", "3.14", parse_value("3.14"), Tolerance(absolute=0.01, relative=0.0))

    assert TestStatus.PASSED == judge_function(test, _outcome(f"{NONCE}\nvalue\n3.1416"), NONCE).status
    judged = judge_function(test, _outcome(f"{NONCE}\nvalue\n3.16"), NONCE)
    assert (TestStatus.FAILED, "returned 3.16, expected 3.14 (tolerance: absolute 0.01, relative 0)") == (
        judged.status,
        judged.message,
    )


CUSTOM = PlannedTest("t2", custom=True, body="int q = 7 / 2;\nassertEquals(4, q);", body_line=20)


def test_a_custom_body_passes_only_on_its_own_kind_of_report() -> None:
    assert TestStatus.PASSED == judge_function(CUSTOM, _outcome(f"{NONCE}\npassed\n"), NONCE).status
    value = judge_function(CUSTOM, _outcome(f"{NONCE}\nvalue\n3"), NONCE)
    assert (TestStatus.FAILED, "the test did not finish: its report is about something else") == (
        value.status,
        value.message,
    )


def test_a_failed_junit_assertion_shows_junits_expected_actual_and_the_bodys_line() -> None:
    report = f'{NONCE}\nfailed\n[21, "4", "3", "expected: <4> but was: <3>"]'

    judged = judge_function(CUSTOM, _outcome(report), NONCE)

    assert (TestStatus.FAILED, "assertion failed (line 2): expected: <4> but was: <3>") == (
        judged.status,
        judged.message,
    )
    assert AssertionFailure("assertEquals(4, q);", "4", "3", 2, "expected: <4> but was: <3>") == judged.failures[0]


def test_javacs_lines_inside_a_body_are_the_bodys_own() -> None:
    plan = Plan(Mode.FUNCTION, (TEST, CUSTOM), "Solution.java", tests_class="CoderunnerTests")
    output = "CoderunnerTests.java:21: error: x\nCoderunnerTests.java:5: error: y\nSolution.java:21: error: z"

    assert (
        "tests[1].custom_validation_code:2: error: x\nCoderunnerTests.java:5: error: y\nSolution.java:21: error: z"
        == custom_lines(plan, output)
    )
