"""The analytics event published after every execution: the replaced service's ``ExecutionMetricsEvent``.

Same field names (in snake_case JSON) and meanings, so its consumers keep working; built from
a stored, finished ``Execution`` by a pure function. The counts, times and messages are the
ones GET /v1/executions/{id} and the gRPC answer show (``domain.summary``).
"""

from __future__ import annotations

from typing import Any

from coderunner.domain.execution import Execution
from coderunner.domain.outcome import TestOutcome, Verdict
from coderunner.domain.summary import COMPILATION_VERDICTS, rfc3339, summarize

DEFAULT_STREAM = "execution.analytics"  # the replaced service's topic, keyed by execution_id

_NOT_COMPILED = COMPILATION_VERDICTS | {Verdict.TEMPLATE_ERROR}


def execution_event(execution: Execution) -> dict[str, Any]:
    """The event of a finished ``execution``, as JSON-ready values.

    ``timestamp`` is when it finished (RFC 3339, UTC); ``server_instance`` the instance that
    ran it. Without a grade (cancelled, or failed on our side) the test counts follow the
    submission (every test failed, none ran), ``compilation_success`` is false and
    ``test_results`` is empty. ``exit_code`` is that of the process that decided the verdict
    (the compiler when it failed, else the first test that did not pass, else the last),
    ``-1`` when a signal or a limit ended it or nothing ran.
    """
    summary = summarize(execution)
    grade = execution.grade
    submission = execution.submission
    finished = execution.finished_at or execution.created_at
    compiled = grade is not None and grade.verdict not in _NOT_COMPILED
    return {
        "execution_id": execution.id,
        "challenge_id": submission.challenge_id,
        "code_version_id": submission.code_version_id,
        "student_id": submission.student_id,
        "language": submission.language,
        "status": execution.status.value,
        "timestamp": rfc3339(finished),
        "execution_time_ms": summary.execution_time_ms,
        "memory_usage_mb": summary.peak_memory_mb,
        "exit_code": grade.exit_code if grade is not None and grade.exit_code is not None else -1,
        "total_tests": summary.total_tests,
        "passed_tests": summary.passed_tests,
        "failed_tests": summary.failed_tests,
        "success": summary.success,
        "error_message": summary.error_message,
        "error_type": summary.error_type,
        "compilation_success": compiled,
        "compilation_time_ms": grade.compile_wall_ms if grade else 0,
        "compilation_error": grade.compile_output if grade and grade.verdict in COMPILATION_VERDICTS else "",
        "test_results": [_test_result(test) for test in grade.tests] if grade else [],
        "server_instance": execution.request.server_instance,
    }


def _test_result(outcome: TestOutcome) -> dict[str, Any]:
    first = outcome.failures[0] if outcome.failures else None
    return {
        "test_id": outcome.test_id,
        "passed": outcome.passed,
        "execution_time_ms": outcome.duration_ms,
        "error_message": outcome.message or (first.message if first else ""),
    }
