"""One Python test's verdict, from the outcome of its own process.

Function mode trusts only the harness's report on fd 3, and only when it is one JSON
object carrying this process's nonce and the process exited 0: then the returned value
(as the harness rendered it) must equal the expected literal, compared here, out of
process; a custom validation test must report that its body ran to the end. A process
that raised is a runtime error (exit 1), or a memory limit for RecursionError and
MemoryError (exit 90). Whole programs are judged by their stdout (program_output.py).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from coderunner.domain.grading import TEST_TEXT_LIMIT, limit_outcome, measured_outcome, text
from coderunner.domain.outcome import AssertionFailure, ProcessOutcome, TestOutcome, TestStatus
from coderunner.languages.comparison import judge_returned
from coderunner.languages.program_output import judge_output
from coderunner.languages.python.plan import PlannedTest
from coderunner.languages.python.toolchain import EXIT_MEMORY, EXIT_RAISED

MAX_REPORT_BYTES = 4 * 1024 * 1024


def judge_function(test: PlannedTest, outcome: ProcessOutcome) -> TestOutcome:
    if (limited := limit_outcome(test.test_id, outcome)) is not None:
        return limited
    base = measured_outcome(test.test_id, outcome)
    report, problem = _report(outcome, test.nonce)
    if (ended := _ended_badly(base, outcome, report)) is not None:
        return ended
    if report is None:
        return replace(base, message=f"the test did not finish: {problem}")
    kind = report.get("kind")
    if kind == "value" and not test.custom:
        return judge_returned(base, test, _string(report.get("value")))
    if kind == "not_plain" and not test.custom:
        return replace(base, message=_string(report.get("message")) or "returned a value that is not plain")
    if kind == "passed" and test.custom:
        return replace(base, status=TestStatus.PASSED)
    if kind == "failed" and test.custom:
        return _failed_assertion(base, report)
    return replace(base, message="the test did not finish: its report is about something else")


def judge_program(test: PlannedTest, outcome: ProcessOutcome) -> TestOutcome:
    judged = judge_output(test.test_id, test.expected, outcome)
    if judged.status is TestStatus.RUNTIME_ERROR:
        return _ended_badly(judged, outcome, None) or judged
    return judged


def _ended_badly(base: TestOutcome, outcome: ProcessOutcome, report: dict[str, Any] | None) -> TestOutcome | None:
    """A raised exception or a signal, explained with the exception's last line."""
    if outcome.signal:
        return replace(base, status=TestStatus.RUNTIME_ERROR, message=f"killed by {outcome.signal}")
    if not outcome.exit_code:
        return None
    raised = _string(report.get("message")) if report else ""
    raised = raised or _last_line(outcome.stderr)
    if outcome.exit_code == EXIT_MEMORY:
        return replace(base, status=TestStatus.MEMORY_LIMIT, message=f"exceeded the memory limit ({raised})")
    if outcome.exit_code == EXIT_RAISED and raised:
        return replace(base, status=TestStatus.RUNTIME_ERROR, message=f"raised {raised}")
    return replace(base, status=TestStatus.RUNTIME_ERROR, message=f"exited with code {outcome.exit_code}")


def _report(outcome: ProcessOutcome, nonce: str) -> tuple[dict[str, Any] | None, str]:
    """The harness's report, or None and why there is none worth believing."""
    if not outcome.report.strip():
        return None, "it wrote no report (did it exit before returning?)"
    if outcome.report_truncated or len(outcome.report) > MAX_REPORT_BYTES:
        return None, "its report is too large"
    try:
        report = json.loads(outcome.report)
    except (ValueError, RecursionError):
        return None, "its report is not one JSON object"
    if not isinstance(report, dict) or not nonce or report.get("nonce") != nonce:
        return None, "its report does not come from the harness"
    return report, ""


def _failed_assertion(base: TestOutcome, report: dict[str, Any]) -> TestOutcome:
    line = report.get("line")
    failure = AssertionFailure(
        _string(report.get("expression")),
        expected=_string(report.get("expected")) or None,
        actual=_string(report.get("actual")) or None,
        line=line if isinstance(line, int) and not isinstance(line, bool) else None,
        message=_string(report.get("message")),
    )
    where = f" (line {failure.line})" if failure.line else ""
    return replace(base, failures=(failure,), message=f"assertion failed{where}: assert {failure.expression}")


def _string(value: object) -> str:
    return value[:TEST_TEXT_LIMIT] if isinstance(value, str) else ""


def _last_line(data: bytes) -> str:
    lines = [line for line in text(data[-TEST_TEXT_LIMIT:], TEST_TEXT_LIMIT).splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""
