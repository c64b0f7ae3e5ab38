"""One test's verdict, from the outcome of its own process.

Function mode trusts only doctest's XML report (on the report pipe, never stdout) and
the exit status, and the two must agree: a test passes only when the process exited
0 and the complete report lists exactly one test case, the one this process was
started for, with no failed assertion; then a generated test's one reported return
value must equal the expected literal (compared here, out of process), and a custom
test needs at least one passed assertion. Whole-program mode
compares stdout with the expected output (``program_output.py``).

Where coderunner's reader could not follow the code, g++ has the last word on whether
it is valid (``judge_doubt``): valid code that coderunner could not test is a template
error, never a compilation error.
"""

from __future__ import annotations

from dataclasses import replace

from coderunner.domain.grading import GRADE_TEXT_LIMIT, limit_outcome, measured_outcome, text
from coderunner.domain.outcome import (
    AssertionFailure,
    Grade,
    ProcessOutcome,
    ProcessStatus,
    TestOutcome,
    TestStatus,
    Verdict,
)
from coderunner.domain.sandbox_job import RUNTIME_VERSION_LABEL, SandboxRun
from coderunner.errors import TemplateError
from coderunner.languages.comparison import same_value, tolerance_note
from coderunner.languages.cpp.program import Plan, PlannedTest
from coderunner.languages.cpp.report import Counts, Report, ReportError, TestCaseReport, parse_report
from coderunner.languages.literals import parse_value
from coderunner.languages.program_output import judge_output

_DOCTEST_FAILED_EXIT = 1  # what doctest's main returns when a test case failed


def judge_function(test: PlannedTest, outcome: ProcessOutcome) -> TestOutcome:
    if (limited := limit_outcome(test.test_id, outcome)) is not None:
        return limited
    base = measured_outcome(test.test_id, outcome)
    case: TestCaseReport | None = None
    problem = ""
    try:
        if outcome.report_truncated:
            raise ReportError("the test report was cut short")
        case = _the_test_case(parse_report(outcome.report), test.case_name)
    except ReportError as exc:
        problem = str(exc)
    failures = _failures(test, case) if case else ()
    if outcome.signal:
        return replace(base, status=TestStatus.RUNTIME_ERROR, failures=failures, message=f"killed by {outcome.signal}")
    if case is None and outcome.exit_code:
        message = f"exited with code {outcome.exit_code} before the test finished ({problem})"
        return replace(base, status=TestStatus.RUNTIME_ERROR, message=message)
    if case is None:
        return replace(base, message=f"no valid test result: {problem}")
    if case.exception is not None:
        return replace(base, status=TestStatus.RUNTIME_ERROR, failures=failures, message=_exception(case))
    if not test.custom and outcome.status is ProcessStatus.SUCCESS and case.succeeded and not failures:
        return _compare_returned(base, test, case)
    if outcome.status is ProcessStatus.SUCCESS and case.succeeded and case.asserts.successes >= 1 and not failures:
        return replace(base, status=TestStatus.PASSED)
    if outcome.exit_code not in (0, _DOCTEST_FAILED_EXIT):
        return replace(base, status=TestStatus.RUNTIME_ERROR, message=f"exited with code {outcome.exit_code}")
    return replace(base, failures=failures, message=_failure_message(test, case, failures))


def judge_doubt(plan: Plan, run: SandboxRun) -> Grade | None:
    """The template error of code that g++ compiled on its own but coderunner could not
    test, or None when ordinary grading applies (also when the code itself does not
    compile: that is the user's compilation error, with g++'s messages)."""
    checked = run.compile[0] if plan.doubt and run.compile else None
    if checked is None or checked.status is not ProcessStatus.SUCCESS:
        return None
    compile_output = ""
    if plan.unbuilt:
        problem = plan.unbuilt
    else:
        # The compiler exited non-zero (its output possibly cut short); a timeout or the
        # memory limit stays the compilation verdict it is.
        refused = (ProcessStatus.RUNTIME_ERROR, ProcessStatus.OUTPUT_LIMIT)
        failed = next((o for o in run.compile[1:] if o.status in refused), None)
        if failed is None:
            return None
        compile_output = text(failed.stderr, GRADE_TEXT_LIMIT) + text(failed.stdout, GRADE_TEXT_LIMIT)
        problem = "the test program made from coderunner's reading of it does not compile (see compile_output)"
    message = f"the code compiles on its own, but {plan.doubt}: {problem}"
    not_run = tuple(TestOutcome(t.test_id, TestStatus.NOT_RUN, message="not run: no test program") for t in plan.tests)
    return Grade(
        Verdict.TEMPLATE_ERROR,
        tests=not_run,
        compile_output=compile_output,
        error_message=message,
        image_id=run.image_id,
        compiler_version=run.image_labels.get(RUNTIME_VERSION_LABEL, ""),
        details={"mode": plan.mode.value},
    )


def judge_program(test: PlannedTest, outcome: ProcessOutcome) -> TestOutcome:
    return judge_output(test.test_id, test.expected, outcome)


def _the_test_case(report: Report, name: str) -> TestCaseReport:
    """The report's only test case, when it is the expected one and the totals agree."""
    if len(report.test_cases) != 1:
        raise ReportError(f"the test report lists {len(report.test_cases)} test cases instead of 1")
    case = report.test_cases[0]
    if case.name != name or case.skipped:
        raise ReportError("the test report is about another test case")
    if report.asserts != case.asserts:
        raise ReportError("the test report's totals disagree with its test case")
    if report.test_case_counts != Counts(int(case.succeeded), int(not case.succeeded)):
        raise ReportError("the test report's test case totals disagree with its test case")
    return case


def _failures(test: PlannedTest, case: TestCaseReport) -> tuple[AssertionFailure, ...]:
    if test.custom:
        return case.failures
    # A generated test has one check; its text and values are ours, the value the
    # function returned is the INFO the harness attached to it.
    return tuple(AssertionFailure(f"{test.call} == {test.expected}", test.expected, case.info) for _ in case.failures)


def _compare_returned(base: TestOutcome, test: PlannedTest, case: TestCaseReport) -> TestOutcome:
    """A generated test passes when the one value it reported equals the expected literal
    (floating-point numbers within the test's tolerance).

    The comparison is made here, out of the submission's process: the expected value
    never enters the test binary, so a forged report would have to contain the right
    answer.
    """
    if len(case.messages) != 1:
        return replace(base, message=f"the test reported {len(case.messages)} returned values instead of 1")
    returned = case.messages[0]
    try:
        actual = parse_value(returned)
    except TemplateError:
        actual = None
    expected = parse_value(test.expected)
    if actual is not None and same_value(actual, expected, test.tolerance):
        return replace(base, status=TestStatus.PASSED)
    failure = AssertionFailure(f"{test.call} == {test.expected}", test.expected, returned)
    note = tolerance_note(actual, expected, test.tolerance)
    return replace(base, failures=(failure,), message=f"returned {returned}, expected {test.expected}{note}")


def _exception(case: TestCaseReport) -> str:
    if case.crashed:
        return f"crashed: {case.exception}"
    return f"threw an exception: {case.exception}"


def _failure_message(test: PlannedTest, case: TestCaseReport, failures: tuple[AssertionFailure, ...]) -> str:
    if not failures:
        return "no check passed" if case.asserts.successes == 0 else "the test case did not succeed"
    if not test.custom:
        return f"returned {case.info or '?'}, expected {test.expected}"
    first = failures[0]
    where = f" (line {first.line})" if first.line else ""
    checks = f"{len(failures)} check{'s' if len(failures) > 1 else ''}"
    return f"{checks} failed; first{where}: {first.expression or first.message}"
