"""What REST, gRPC and the execution events all say about an execution: counts, completion,
a one-line summary, and how a moment is written.

Pure functions of a domain ``Execution``; each wire format copies these values into its
own shape, so the APIs and the events never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coderunner.domain.execution import Execution, ExecutionStatus
from coderunner.domain.outcome import Verdict

# The pipeline ran to the end: the tests' verdict is known (a timeout is a verdict too).
_COMPLETED = frozenset({ExecutionStatus.COMPLETED, ExecutionStatus.TIMED_OUT})
COMPILATION_VERDICTS = frozenset(
    {Verdict.COMPILATION_ERROR, Verdict.COMPILATION_TIMEOUT, Verdict.COMPILATION_MEMORY_LIMIT}
)


@dataclass(frozen=True)
class Summary:
    """The figures every answer carries.

    Every test of the submission is counted: one the grade does not mention (never ran,
    or its report went missing) counts as failed once the execution is over.
    """

    completed: bool
    success: bool
    verdict: str  # "" while unknown
    total_tests: int
    passed_tests: int
    failed_tests: int
    approved_test_ids: tuple[str, ...]
    failed_test_ids: tuple[str, ...]
    execution_time_ms: int
    cpu_time_ms: int
    peak_memory_mb: float
    message: str
    error_type: str
    error_message: str


def summarize(execution: Execution) -> Summary:
    grade = execution.grade
    ids = [test.id for test in execution.submission.tests]
    approved = set(grade.approved_test_ids) if grade else set()
    approved_ids = tuple(i for i in ids if i in approved)
    failed_ids = tuple(i for i in ids if i not in approved) if execution.status.is_terminal else ()
    completed = execution.status in _COMPLETED and grade is not None
    verdict = grade.verdict.value if grade else ""
    if not verdict and execution.status is ExecutionStatus.FAILED:
        verdict = Verdict.INTERNAL_ERROR.value
    return Summary(
        completed=completed,
        success=completed and grade is not None and grade.success,
        verdict=verdict,
        total_tests=len(ids),
        passed_tests=len(approved_ids),
        failed_tests=len(failed_ids),
        approved_test_ids=approved_ids,
        failed_test_ids=failed_ids,
        execution_time_ms=duration_ms(execution),
        cpu_time_ms=grade.run_cpu_ms if grade else 0,
        peak_memory_mb=round(grade.peak_memory_kb / 1024, 2) if grade else 0.0,
        message=_message(execution, len(approved_ids), len(ids)),
        error_type=execution.error_type,
        error_message=error_message(execution),
    )


def duration_ms(execution: Execution) -> int:
    """Wall time from start to finish (compile and run), or the run phase's time if unknown."""
    if execution.started_at is not None and execution.finished_at is not None:
        return max(0, round((execution.finished_at - execution.started_at).total_seconds() * 1000))
    return execution.grade.run_wall_ms if execution.grade else 0


def error_message(execution: Execution) -> str:
    """Compiler, runtime or internal error text; empty when the tests simply ran."""
    grade = execution.grade
    if execution.error_message:
        return execution.error_message
    if grade is None:
        return ""
    if grade.error_message:
        return grade.error_message
    if grade.verdict in COMPILATION_VERDICTS:
        return grade.compile_output
    return ""


def _message(execution: Execution, passed: int, total: int) -> str:
    status, grade = execution.status, execution.grade
    if status is ExecutionStatus.PENDING:
        return "waiting for a free slot"
    if status is ExecutionStatus.RUNNING:
        return "running"
    if status is ExecutionStatus.CANCELLED:
        return "cancelled before it finished; not graded"
    if grade is None or status is ExecutionStatus.FAILED:
        return "the evaluation failed on our side; the solution was not graded"
    tally = f"{passed} of {total} tests passed"
    return {
        Verdict.ACCEPTED: f"all {total} tests passed",
        Verdict.WRONG_ANSWER: tally,
        Verdict.COMPILATION_ERROR: "compilation failed",
        Verdict.COMPILATION_TIMEOUT: "compilation took longer than its time limit",
        Verdict.COMPILATION_MEMORY_LIMIT: "compilation used more memory than its limit",
        Verdict.RUNTIME_ERROR: f"runtime error; {tally}",
        Verdict.TIMEOUT: f"time limit exceeded; {tally}",
        Verdict.MEMORY_LIMIT: f"memory limit exceeded; {tally}",
        Verdict.OUTPUT_LIMIT: f"output limit exceeded; {tally}",
        Verdict.TEMPLATE_ERROR: "the tests could not be turned into a program",
        Verdict.INTERNAL_ERROR: "the evaluation failed on our side; the solution was not graded",
    }[grade.verdict]


def rfc3339(moment: datetime) -> str:
    """``2024-05-01T12:00:00.123456Z`` for UTC moments (naive ones are taken as UTC).

    >>> from datetime import UTC
    >>> rfc3339(datetime(2024, 5, 1, 12, tzinfo=UTC))
    '2024-05-01T12:00:00Z'
    """
    text = moment.isoformat()
    if moment.tzinfo is None:
        return text + "Z"
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
