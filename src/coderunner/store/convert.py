"""Domain objects ↔ rows. No sessions here: the caller owns the transaction."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from coderunner.domain.execution import Execution, ExecutionStatus, ProgramInfo, RequestInfo
from coderunner.domain.outcome import AssertionFailure, Grade, TestOutcome, TestStatus, Verdict
from coderunner.domain.submission import DEFAULT_TOLERANCE, Limits, Submission, TestCase, Tolerance
from coderunner.errors import InvalidSubmission, StoreError
from coderunner.store.column_types import storable
from coderunner.store.tables import ExecutionRow, GeneratedProgramRow, TestResultRow

_UNGRADED = Grade(Verdict.INTERNAL_ERROR)  # only its empty fields are ever written
_LIMITS = frozenset(f.name for f in fields(Limits))
_FAILURE = frozenset(f.name for f in fields(AssertionFailure))


def new_execution_row(execution_id: str, submission: Submission, request: RequestInfo, at: datetime) -> ExecutionRow:
    """The row of a new pending execution, with one test_results row per submitted test case."""
    return ExecutionRow(
        id=execution_id,
        challenge_id=submission.challenge_id,
        code_version_id=submission.code_version_id,
        student_id=submission.student_id,
        language=submission.language,
        code=submission.code,
        function_name=submission.function_name,
        limits=asdict(submission.limits),
        tolerance=asdict(submission.tolerance),
        callback_url=submission.callback_url,
        status=ExecutionStatus.PENDING.value,
        created_at=at,
        server_instance=request.server_instance,
        api_key_id=request.api_key_id,
        client_address=request.client_address,
        user_agent=request.user_agent,
        tests=[
            TestResultRow(
                test_id=case.id,
                position=position,
                input=case.input,
                expected_output=case.expected_output,
                custom_validation_code=case.custom_validation_code,
                tolerance=asdict(case.tolerance) if case.tolerance else None,
            )
            for position, case in enumerate(submission.tests)
        ],
    )


def record_program(row: ExecutionRow, program: ProgramInfo) -> None:
    """Attach ``program`` to ``row``, replacing an earlier one."""
    row.program = GeneratedProgramRow(
        execution_id=row.id,
        language=program.language,
        generator=program.generator,
        test_count=program.test_count,
        custom_validation_used=program.custom_validation_used,
        generation_ms=program.generation_ms,
        size_bytes=program.size_bytes,
        source=program.source,
    )


def record_finish(
    row: ExecutionRow, status: ExecutionStatus, at: datetime, grade: Grade | None, error_type: str, error_message: str
) -> None:
    """Write the terminal state, replacing whatever an earlier ``finish`` wrote."""
    row.status = status.value
    row.finished_at = at
    row.error_type = error_type
    row.error_message = error_message
    if grade is None:
        row.verdict = None
        row.total_tests = row.passed_tests = row.failed_tests = None
        row.run_time_ms = row.cpu_time_ms = row.peak_memory_kb = None
        row.compile_time_ms = row.exit_code = None
        grade = _UNGRADED
    else:
        row.verdict = grade.verdict.value
        row.total_tests = len(grade.tests)
        row.passed_tests = grade.passed_count
        row.failed_tests = len(grade.failed_test_ids)
        row.run_time_ms = grade.run_wall_ms
        row.cpu_time_ms = grade.run_cpu_ms
        row.peak_memory_kb = grade.peak_memory_kb
        row.compile_time_ms = grade.compile_wall_ms
        row.exit_code = grade.exit_code
    row.approved_test_ids = grade.approved_test_ids
    row.failed_test_ids = grade.failed_test_ids
    row.compile_output = grade.compile_output
    row.stdout = grade.stdout
    row.stderr = grade.stderr
    row.stdout_truncated = grade.stdout_truncated
    row.stderr_truncated = grade.stderr_truncated
    row.grade_error_message = grade.error_message
    row.grade_details = dict(grade.details)
    row.image_id = grade.image_id
    row.compiler_version = grade.compiler_version
    _record_outcomes(row, grade.tests)


def _record_outcomes(row: ExecutionRow, outcomes: tuple[TestOutcome, ...]) -> None:
    ids = [outcome.test_id for outcome in outcomes]
    if len(set(ids)) != len(ids):
        raise ValueError(f"execution {row.id}: a grade names a test id twice: {ids}")
    for stored in list(row.tests):
        if stored.position is None:
            row.tests.remove(stored)  # an outcome of an earlier finish, for a test never submitted
        else:
            _clear_outcome(stored)
    by_id = {test.test_id: test for test in row.tests}
    for result_position, outcome in enumerate(outcomes):
        test = by_id.get(outcome.test_id)
        if test is None:  # an outcome for a test id that was never submitted
            test = TestResultRow(test_id=outcome.test_id, position=None)
            row.tests.append(test)
        test.result_position = result_position
        test.status = outcome.status.value
        test.duration_ms = outcome.duration_ms
        test.failures = [_failure_json(failure) for failure in outcome.failures]
        test.stdout = outcome.stdout
        test.stderr = outcome.stderr
        test.message = outcome.message


def _clear_outcome(test: TestResultRow) -> None:
    test.result_position = test.status = test.duration_ms = test.failures = None
    test.stdout = test.stderr = test.message = None


def _failure_json(failure: AssertionFailure) -> dict[str, Any]:
    # Unlike text columns, JSON values do not pass through SafeText.
    return {
        "expression": storable(failure.expression),
        "expected": None if failure.expected is None else storable(failure.expected),
        "actual": None if failure.actual is None else storable(failure.actual),
        "line": failure.line,
        "message": storable(failure.message),
    }


def to_execution(row: ExecutionRow) -> Execution:
    """The domain view of ``row`` (with its tests and program loaded).

    Raises ``StoreError`` when the row holds what this version cannot read (an unknown status,
    limits out of range): a record we cannot trust is our failure, not the caller's.
    """
    try:
        return _to_execution(row)
    except (ValueError, TypeError, KeyError, InvalidSubmission) as exc:
        raise StoreError(f"execution {row.id} is stored in a form this version cannot read: {exc}") from exc


def _to_execution(row: ExecutionRow) -> Execution:
    return Execution(
        id=row.id,
        submission=_to_submission(row),
        status=ExecutionStatus(row.status),
        created_at=row.created_at,
        request=RequestInfo(
            client_address=row.client_address,
            user_agent=row.user_agent,
            server_instance=row.server_instance,
            api_key_id=row.api_key_id,
        ),
        started_at=row.started_at,
        finished_at=row.finished_at,
        grade=_to_grade(row),
        error_type=row.error_type,
        error_message=row.error_message,
        program=_to_program(row.program),
    )


def _to_submission(row: ExecutionRow) -> Submission:
    submitted = sorted((test for test in row.tests if test.position is not None), key=lambda test: test.position or 0)
    # The constructor, not Submission.create: this was validated before it was stored.
    return Submission(
        language=row.language,
        code=row.code,
        tests=tuple(
            TestCase(
                id=test.test_id,
                input=test.input,
                expected_output=test.expected_output,
                custom_validation_code=test.custom_validation_code,
                tolerance=_to_tolerance(test.tolerance),
            )
            for test in submitted
        ),
        # Ignoring unknown names lets a newer version's rows be read after a rollback.
        limits=Limits(**{name: value for name, value in row.limits.items() if name in _LIMITS}),
        function_name=row.function_name,
        challenge_id=row.challenge_id,
        code_version_id=row.code_version_id,
        student_id=row.student_id,
        # Executions stored before tolerances were recorded were judged by the default.
        tolerance=_to_tolerance(row.tolerance) or DEFAULT_TOLERANCE,
        callback_url=row.callback_url,
    )


def _to_tolerance(fields: dict[str, Any] | None) -> Tolerance | None:
    if fields is None:
        return None
    return Tolerance(absolute=fields.get("absolute"), relative=fields.get("relative"))


def _to_grade(row: ExecutionRow) -> Grade | None:
    if row.verdict is None:
        return None
    graded = sorted(
        (test for test in row.tests if test.result_position is not None), key=lambda test: test.result_position or 0
    )
    return Grade(
        verdict=Verdict(row.verdict),
        tests=tuple(_to_outcome(test) for test in graded),
        compile_output=row.compile_output,
        error_message=row.grade_error_message,
        stdout=row.stdout,
        stderr=row.stderr,
        stdout_truncated=row.stdout_truncated,
        stderr_truncated=row.stderr_truncated,
        run_wall_ms=row.run_time_ms or 0,
        run_cpu_ms=row.cpu_time_ms or 0,
        peak_memory_kb=row.peak_memory_kb or 0,
        compile_wall_ms=row.compile_time_ms or 0,
        exit_code=row.exit_code,
        image_id=row.image_id,
        compiler_version=row.compiler_version,
        details=dict(row.grade_details),
    )


def _to_outcome(test: TestResultRow) -> TestOutcome:
    if test.status is None:
        raise ValueError(f"test {test.test_id!r} has a result position but no status")
    return TestOutcome(
        test_id=test.test_id,
        status=TestStatus(test.status),
        duration_ms=test.duration_ms or 0,
        failures=tuple(
            AssertionFailure(**{name: value for name, value in failure.items() if name in _FAILURE})
            for failure in test.failures or ()
        ),
        stdout=test.stdout or "",
        stderr=test.stderr or "",
        message=test.message or "",
    )


def _to_program(row: GeneratedProgramRow | None) -> ProgramInfo | None:
    if row is None:
        return None
    return ProgramInfo(
        language=row.language,
        generator=row.generator,
        test_count=row.test_count,
        custom_validation_used=row.custom_validation_used,
        generation_ms=row.generation_ms,
        source=row.source,
    )
