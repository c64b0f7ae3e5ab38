"""Proto messages ↔ domain objects. Pure: no I/O, unit-tested.

Wire compatibility with the original service's clients is the point here: the old
fields (1 to 10 of ``ExecutionResponse``) keep their meaning, the additions only add.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from coderunner.domain.execution import Execution
from coderunner.domain.outcome import TestOutcome
from coderunner.domain.submission import InputPolicy, Limits, Submission, TestCase, Tolerance
from coderunner.domain.summary import rfc3339, summarize
from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.entrypoints.languages import LanguageInfo
from coderunner.languages.plugin import Language
from coderunner.languages.registry import get_language

# proto3 scalars cannot be "unset": a zero means "keep the service default".
_LIMIT_FIELDS = ("timeout_s", "memory_mb", "cpus", "compile_timeout_s", "compile_memory_mb")


def to_submission(
    request: pb.ExecutionRequest, *, policy: InputPolicy, default_limits: Callable[[Language], Limits]
) -> Submission:
    """The validated ``Submission`` for ``request`` (``InvalidSubmission`` names the field).

    An empty ``language`` means C++, an empty ``function_name`` means "choose", an empty
    ``mode`` means "infer it from the code", and an unset or zero limit keeps the
    language's default (``default_limits(language)``); an unset tolerance field is
    inherited (tolerances are ``optional``: a zero is a real value).
    """
    language = get_language(request.language)
    defaults = default_limits(language)
    return Submission.create(
        code=request.code,
        tests=[
            TestCase(
                id=test.code_version_test_id,
                input=test.input,
                expected_output=test.expected_output,
                custom_validation_code=test.custom_validation_code,
                tolerance=to_tolerance(test.tolerance) if test.HasField("tolerance") else None,
            )
            for test in request.tests
        ],
        language=language.name,
        limits=to_limits(request.limits, defaults) if request.HasField("limits") else defaults,
        function_name=request.function_name or None,
        mode=request.mode,
        challenge_id=request.challenge_id,
        code_version_id=request.code_version_id,
        student_id=request.student_id,
        policy=policy,
        tolerance=to_tolerance(request.tolerance) if request.HasField("tolerance") else None,
        callback_url=request.callback_url,
    )


def to_tolerance(message: pb.Tolerance) -> Tolerance:
    """The fields ``message`` sets; ``Submission.create`` checks them."""
    return Tolerance(
        absolute=message.absolute if message.HasField("absolute") else None,
        relative=message.relative if message.HasField("relative") else None,
    )


def to_limits(message: pb.Limits, defaults: Limits) -> Limits:
    """``defaults`` with every non-zero value of ``message`` (``InvalidSubmission`` if out of range)."""
    given = {name: getattr(message, name) for name in _LIMIT_FIELDS if getattr(message, name) != 0}
    return replace(defaults, **given)


def to_response(execution: Execution) -> pb.ExecutionResponse:
    """The ``ExecutionResponse`` the original clients read, plus the additive fields.

    ``completed`` is true when the pipeline ran to the end (failed tests included) and
    false for our failures and cancellations; ``error_type`` is empty for accepted and
    wrong answers, else the verdict (``compilation_error``, ``timeout``, ...).
    """
    summary = summarize(execution)
    grade = execution.grade
    return pb.ExecutionResponse(
        approved_tests=list(summary.approved_test_ids),
        completed=summary.completed,
        execution_time_ms=summary.execution_time_ms,
        total_tests=summary.total_tests,
        passed_tests=summary.passed_tests,
        failed_tests=summary.failed_tests,
        success=summary.success,
        message=summary.message,
        error_message=summary.error_message,
        error_type=summary.error_type,
        execution_id=execution.id,
        verdict=summary.verdict,
        test_results=[to_test_result(t) for t in grade.tests] if grade else [],
        cpu_time_ms=summary.cpu_time_ms,
        peak_memory_mb=summary.peak_memory_mb,
        compile_output=grade.compile_output if grade else "",
    )


def to_test_result(outcome: TestOutcome) -> pb.TestResult:
    """One test's result; ``expected``/``actual``/``expression`` come from its first failed check."""
    first = outcome.failures[0] if outcome.failures else None
    message = outcome.message or (first.message if first else "")
    return pb.TestResult(
        code_version_test_id=outcome.test_id,
        passed=outcome.passed,
        status=outcome.status.value,
        message=message,
        expected=(first.expected or "") if first else "",
        actual=(first.actual or "") if first else "",
        expression=first.expression if first else "",
        duration_ms=outcome.duration_ms,
        stdout=outcome.stdout,
    )


def to_details(execution: Execution) -> pb.ExecutionDetails:
    submission = execution.submission
    return pb.ExecutionDetails(
        execution_id=execution.id,
        status=execution.status.value,
        result=to_response(execution),
        challenge_id=submission.challenge_id,
        code_version_id=submission.code_version_id,
        student_id=submission.student_id,
        language=submission.language,
        created_at=rfc3339(execution.created_at),
        finished_at=rfc3339(execution.finished_at) if execution.finished_at else "",
    )


def to_language(info: LanguageInfo) -> pb.Language:
    return pb.Language(
        name=info.name,
        display_name=info.display_name,
        image=info.image,
        runtime_version=info.runtime_version,
        modes=list(info.modes),
        file_extensions=list(info.file_extensions),
        default_limits=pb.Limits(**{name: getattr(info.default_limits, name) for name in _LIMIT_FIELDS}),
    )
