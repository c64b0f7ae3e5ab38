"""One Java test's verdict, from the outcome of its own JVM.

Function mode trusts only the harness's report on fd 3 (``nonce \\n kind \\n payload``),
and only when it carries this test's nonce and agrees with the exit status: then the
returned value (as the harness rendered it) must equal the expected literal, compared
here, out of process. An uncaught exception is a runtime error (exit 1, its trace on
stderr trimmed to the user's file); StackOverflowError and OutOfMemoryError are a memory
limit (exit 90). A custom validation test passes when the harness reports that its body
ran to the end, and fails with JUnit's expected, actual and message when an assertion
did not hold. Whole programs are judged by their stdout (``program_output.py``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from coderunner.domain.grading import TEST_TEXT_LIMIT, limit_outcome, measured_outcome, text
from coderunner.domain.outcome import AssertionFailure, ProcessOutcome, TestOutcome, TestStatus
from coderunner.errors import TemplateError
from coderunner.languages.comparison import judge_returned
from coderunner.languages.java.program import Plan, PlannedTest
from coderunner.languages.java.toolchain import EXIT_MEMORY, EXIT_RAISED
from coderunner.languages.literals import Array, Int, Null, Str, parse_value
from coderunner.languages.program_output import judge_output

MAX_REPORT_BYTES = 4 * 1024 * 1024
_KIND_EXIT = {"value": 0, "not_plain": 0, "passed": 0, "failed": 0, "raised": EXIT_RAISED, "memory": EXIT_MEMORY}
_FOR_CUSTOM = {"passed": True, "failed": True, "value": False, "not_plain": False}


def judge_function(test: PlannedTest, outcome: ProcessOutcome, nonce: str) -> TestOutcome:
    if (limited := limit_outcome(test.test_id, outcome)) is not None:
        return limited
    base = measured_outcome(test.test_id, outcome)
    if outcome.signal:
        return replace(base, status=TestStatus.RUNTIME_ERROR, message=f"killed by {outcome.signal}")
    report = _report(outcome, nonce)
    if report is None or _KIND_EXIT[report[0]] != outcome.exit_code:
        return _without_report(base, outcome)
    kind, payload = report
    if kind == "memory":
        return replace(base, status=TestStatus.MEMORY_LIMIT, message=f"exceeded the memory limit ({payload})")
    if kind == "raised":
        return replace(base, status=TestStatus.RUNTIME_ERROR, message=f"threw {payload}")
    if _FOR_CUSTOM[kind] is not test.custom:
        return replace(base, message="the test did not finish: its report is about something else")
    if kind == "passed":
        return replace(base, status=TestStatus.PASSED)
    if kind == "failed":
        return _failed_assertion(base, test, payload)
    if kind == "not_plain":
        return replace(base, message=payload)
    return judge_returned(base, test, payload)


def custom_lines(plan: Plan, output: str) -> str:
    """javac's output with the generated file's lines inside a custom validation body
    renamed to that body's own (``tests[2].custom_validation_code:3: error: ...``)."""
    bodies = [(index, t) for index, t in enumerate(plan.tests) if t.custom]
    if not bodies:
        return output
    pattern = re.compile(rf"\b{re.escape(plan.tests_class)}\.java:(\d+):")

    def rename(match: re.Match[str]) -> str:
        line = int(match.group(1))
        for index, test in bodies:
            offset = line - test.body_line
            if 0 <= offset < test.body.count("\n") + 1:
                return f"tests[{index}].custom_validation_code:{offset + 1}:"
        return match.group(0)

    return pattern.sub(rename, output)


def judge_program(test: PlannedTest, outcome: ProcessOutcome) -> TestOutcome:
    judged = judge_output(test.test_id, test.expected, outcome)
    if judged.status is TestStatus.RUNTIME_ERROR and outcome.exit_code == EXIT_MEMORY and not outcome.signal:
        return replace(
            judged, status=TestStatus.MEMORY_LIMIT, message=f"exceeded the memory limit ({_last_line(outcome)})"
        )
    if judged.status is TestStatus.RUNTIME_ERROR and outcome.exit_code == EXIT_RAISED and _last_line(outcome):
        return replace(judged, message=f"threw {_first_line(outcome)}")
    return judged


def _report(outcome: ProcessOutcome, nonce: str) -> tuple[str, str] | None:
    """(kind, payload) of the harness's report, or None when there is none worth believing."""
    if not nonce or outcome.report_truncated or len(outcome.report) > MAX_REPORT_BYTES:
        return None
    parts = outcome.report.decode("utf-8", errors="replace").split("\n", 2)
    if len(parts) != 3 or parts[0] != nonce or parts[1] not in _KIND_EXIT:
        return None
    return parts[1], parts[2]


def _without_report(base: TestOutcome, outcome: ProcessOutcome) -> TestOutcome:
    if outcome.exit_code:
        message = f"exited with code {outcome.exit_code} before the test finished"
        return replace(base, status=TestStatus.RUNTIME_ERROR, message=message)
    return replace(base, message="the test did not finish: the method under test never returned to the harness")


def _failed_assertion(base: TestOutcome, test: PlannedTest, payload: str) -> TestOutcome:
    """JUnit's evidence, reported as ``[line, expected, actual, message]`` (see Harness.java)."""
    try:
        report = parse_value(payload)
    except TemplateError:
        report = None
    match report:
        case Array((Int(reported_line), expected, actual, message)):
            pass
        case _:
            return replace(base, message="the test did not finish: its report is unreadable")
    body_lines = test.body.split("\n")
    offset = reported_line - test.body_line
    line = offset + 1 if 0 <= offset < len(body_lines) else None
    failure = AssertionFailure(
        body_lines[offset].strip() if line else "",
        expected=_shown(expected),
        actual=_shown(actual),
        line=line,
        message=_shown(message) or "",
    )
    where = f" (line {line})" if line else ""
    return replace(base, failures=(failure,), message=f"assertion failed{where}: {failure.message}")


def _shown(value: object) -> str | None:
    """A string of the report, or None for its null."""
    if isinstance(value, Str):
        return value.value[:TEST_TEXT_LIMIT]
    return None if isinstance(value, Null) else str(value)[:TEST_TEXT_LIMIT]


def _lines(outcome: ProcessOutcome) -> list[str]:
    return [line for line in text(outcome.stderr, TEST_TEXT_LIMIT).splitlines() if line.strip()]


def _first_line(outcome: ProcessOutcome) -> str:
    lines = _lines(outcome)
    return lines[0].removeprefix('Exception in thread "main" ').strip() if lines else ""


def _last_line(outcome: ProcessOutcome) -> str:
    lines = _lines(outcome)
    return lines[-1].strip() if lines else ""
