"""The REST API's JSON documents: the proto's request fields in snake_case, richer answers.

Requests are parsed strictly (a number is not a string, ``"5"`` is not a number, an
unknown field is an error rather than silently dropped) and then validated once more by
``Submission.create``, which names the offending field. Every request model derives from
``_Request``, so a field added later is strict too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from coderunner.domain.execution import Execution, ExecutionStatus
from coderunner.domain.outcome import AssertionFailure, TestOutcome, TestStatus, Verdict
from coderunner.domain.submission import InputPolicy, Limits, Submission, TestCase, Tolerance
from coderunner.domain.summary import summarize
from coderunner.languages.plugin import Language
from coderunner.languages.registry import get_language

# ---- requests -------------------------------------------------------------------------


class _Request(BaseModel):
    # "forbid": a client that sends `timeout` for `timeout_s`, or flags we do not have
    # (`compiler_options`), must learn that they were not applied.
    model_config = ConfigDict(strict=True, extra="forbid")


class ToleranceIn(_Request):
    """How far a returned floating-point number may be from the expected one; an omitted part is inherited."""

    absolute: float | None = Field(None, ge=0, allow_inf_nan=False, description="Largest absolute difference.")
    relative: float | None = Field(
        None, ge=0, allow_inf_nan=False, description="Largest difference relative to the larger magnitude."
    )

    def to_domain(self) -> Tolerance:
        return Tolerance(self.absolute, self.relative)


class TestCaseIn(_Request):
    """One test case, as in the proto's ``TestCase``."""

    __test__ = False

    code_version_test_id: str = Field("", description="The test's id, echoed back in approved_test_ids.")
    input: str = Field("", description="Argument literals (e.g. `[1,2,3], 5`), or stdin of a whole program.")
    expected_output: str = Field("", description="The expected return value literal, or expected stdout.")
    custom_validation_code: str = Field("", description="When set: the test's body, written with doctest macros.")
    tolerance: ToleranceIn | None = Field(None, description="This test's own tolerance; omitted parts: the request's.")

    def to_domain(self) -> TestCase:
        tolerance = self.tolerance.to_domain() if self.tolerance else None
        return TestCase(
            self.code_version_test_id, self.input, self.expected_output, self.custom_validation_code, tolerance
        )


class LimitsIn(_Request):
    """Per-submission limits; an omitted one keeps the service default."""

    timeout_s: float | None = Field(None, description="Wall budget of the whole run step, seconds.")
    memory_mb: int | None = None
    cpus: float | None = None
    compile_timeout_s: float | None = None
    compile_memory_mb: int | None = None

    def merged_with(self, defaults: Limits) -> Limits:
        """``defaults`` with the values given here (InvalidSubmission names one out of range)."""
        return replace(defaults, **self.model_dump(exclude_none=True))


class ExecutionRequestIn(_Request):
    """``POST /v1/executions``: the proto's ``ExecutionRequest`` as JSON."""

    challenge_id: str = ""
    code_version_id: str = ""
    student_id: str = ""
    code: str = Field(description="The submitted source.")
    tests: list[TestCaseIn] = Field(description="At least one test case.")
    language: str = Field(
        "", description="A name from GET /v1/languages; empty means C++ (as in the original service)."
    )
    function_name: str | None = Field(None, description="The function under test, when the code has several.")
    mode: Literal["function", "program", ""] = Field(
        "", description="function or program; empty lets the language infer it from the code."
    )
    limits: LimitsIn | None = None
    tolerance: ToleranceIn | None = Field(
        None, description="For returned floating-point numbers; omitted parts: absolute and relative 1e-6."
    )
    callback_url: str = Field(
        "",
        description="When set: an http(s) URL the finished execution is POSTed to, signed "
        "(webhook-id, webhook-timestamp, webhook-signature: see the README). Its host must be allowed by the service.",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "challenge_id": "sum",
                    "student_id": "s-1",
                    "code": "int add(int a, int b) { return a + b; }",
                    "tests": [{"code_version_test_id": "t1", "input": "1, 2", "expected_output": "3"}],
                }
            ]
        },
    )

    def to_submission(self, policy: InputPolicy, default_limits: Callable[[Language], Limits]) -> Submission:
        """The validated domain object (raises ``InvalidSubmission`` naming the field);
        ``default_limits`` gives a language's limits where the request sets none."""
        language = get_language(self.language)
        defaults = default_limits(language)
        limits = self.limits.merged_with(defaults) if self.limits else defaults
        return Submission.create(
            code=self.code,
            tests=[test.to_domain() for test in self.tests],
            language=language.name,
            limits=limits,
            function_name=self.function_name,
            mode=self.mode,
            challenge_id=self.challenge_id,
            code_version_id=self.code_version_id,
            student_id=self.student_id,
            policy=policy,
            tolerance=self.tolerance.to_domain() if self.tolerance else None,
            callback_url=self.callback_url,
        )


# ---- answers --------------------------------------------------------------------------


class FailureOut(BaseModel):
    """One failed check, as the test framework reported it."""

    expression: str
    expected: str | None
    actual: str | None
    line: int | None
    message: str

    @classmethod
    def from_domain(cls, failure: AssertionFailure) -> FailureOut:
        return cls(
            expression=failure.expression,
            expected=failure.expected,
            actual=failure.actual,
            line=failure.line,
            message=failure.message,
        )


class ToleranceOut(BaseModel):
    absolute: float
    relative: float

    @classmethod
    def from_domain(cls, tolerance: Tolerance) -> ToleranceOut:
        return cls(absolute=tolerance.absolute or 0.0, relative=tolerance.relative or 0.0)


class TestResultOut(BaseModel):
    __test__ = False

    test_id: str
    status: TestStatus
    passed: bool
    duration_ms: int
    failures: list[FailureOut]
    stdout: str
    stderr: str
    message: str
    tolerance: ToleranceOut | None = Field(None, description="The tolerance applied to this test's returned value.")

    @classmethod
    def from_domain(cls, outcome: TestOutcome, tolerance: Tolerance | None = None) -> TestResultOut:
        return cls(
            test_id=outcome.test_id,
            status=outcome.status,
            passed=outcome.passed,
            duration_ms=outcome.duration_ms,
            failures=[FailureOut.from_domain(f) for f in outcome.failures],
            stdout=outcome.stdout,
            stderr=outcome.stderr,
            message=outcome.message,
            tolerance=ToleranceOut.from_domain(tolerance) if tolerance else None,
        )


class LimitsOut(BaseModel):
    timeout_s: float
    memory_mb: int
    cpus: float
    compile_timeout_s: float
    compile_memory_mb: int
    compile_cpus: float
    output_limit_bytes: int

    @classmethod
    def from_domain(cls, limits: Limits) -> LimitsOut:
        return cls(**{f.name: getattr(limits, f.name) for f in fields(limits)})


class ExecutionSummaryOut(BaseModel):
    """An execution in a list: who, what, where it stands and the counts."""

    id: str
    status: ExecutionStatus
    verdict: str = Field(
        description='The verdict; "" while unknown.', json_schema_extra={"enum": ["", *(v.value for v in Verdict)]}
    )
    completed: bool = Field(description="The pipeline ran to the end (even if tests failed).")
    success: bool = Field(description="Every test passed.")
    language: str
    challenge_id: str
    code_version_id: str
    student_id: str
    total_tests: int
    passed_tests: int
    failed_tests: int
    error_type: str
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_execution(cls, execution: Execution) -> ExecutionSummaryOut:
        return cls(**_summary_fields(execution))


class ExecutionOut(ExecutionSummaryOut):
    """``GET /v1/executions/{id}``: the whole record, with per-test results."""

    function_name: str | None
    message: str = Field(description="A human-readable summary.")
    approved_test_ids: list[str]
    failed_test_ids: list[str]
    execution_time_ms: int = Field(description="Wall time from start to finish (compile and run).")
    run_time_ms: int = Field(description="Wall time of the run step (all tests together).")
    cpu_time_ms: int
    peak_memory_mb: float
    compile_output: str
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    error_message: str
    image_id: str
    compiler_version: str
    limits: LimitsOut
    tolerance: ToleranceOut = Field(description="The request's tolerance (a test may have its own).")
    started_at: datetime | None
    callback_url: str = Field(description='The webhook the result is POSTed to; "" for none.')
    tests: list[TestResultOut]

    @classmethod
    def from_execution(cls, execution: Execution) -> ExecutionOut:
        grade = execution.grade
        summary = summarize(execution)
        submission = execution.submission
        tolerances = {test.id: submission.tolerance_for(test) for test in submission.tests}
        return cls(
            **_summary_fields(execution),
            function_name=execution.submission.function_name,
            message=summary.message,
            approved_test_ids=list(summary.approved_test_ids),
            failed_test_ids=list(summary.failed_test_ids),
            execution_time_ms=summary.execution_time_ms,
            run_time_ms=grade.run_wall_ms if grade else 0,
            cpu_time_ms=summary.cpu_time_ms,
            peak_memory_mb=summary.peak_memory_mb,
            compile_output=grade.compile_output if grade else "",
            stdout=grade.stdout if grade else "",
            stderr=grade.stderr if grade else "",
            stdout_truncated=grade.stdout_truncated if grade else False,
            stderr_truncated=grade.stderr_truncated if grade else False,
            error_message=summary.error_message,
            image_id=grade.image_id if grade else "",
            compiler_version=grade.compiler_version if grade else "",
            limits=LimitsOut.from_domain(execution.submission.limits),
            tolerance=ToleranceOut.from_domain(execution.submission.tolerance),
            started_at=execution.started_at,
            callback_url=execution.submission.callback_url,
            tests=[TestResultOut.from_domain(t, tolerances.get(t.test_id)) for t in grade.tests] if grade else [],
        )


def _summary_fields(execution: Execution) -> dict[str, Any]:
    summary = summarize(execution)
    submission = execution.submission
    return {
        "id": execution.id,
        "status": execution.status,
        "verdict": summary.verdict,
        "completed": summary.completed,
        "success": summary.success,
        "language": submission.language,
        "challenge_id": submission.challenge_id,
        "code_version_id": submission.code_version_id,
        "student_id": submission.student_id,
        "total_tests": summary.total_tests,
        "passed_tests": summary.passed_tests,
        "failed_tests": summary.failed_tests,
        "error_type": summary.error_type,
        "created_at": execution.created_at,
        "finished_at": execution.finished_at,
    }


def webhook_body(execution: Execution) -> bytes:
    """What a webhook POSTs: the JSON of GET /v1/executions/{id} for ``execution``."""
    return ExecutionOut.from_execution(execution).model_dump_json().encode()


class ExecutionPage(BaseModel):
    """``GET /v1/executions``: newest first."""

    items: list[ExecutionSummaryOut]
    limit: int
    offset: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last one.")


class LanguageOut(BaseModel):
    """``GET /v1/languages``: one language this server grades."""

    name: str = Field(description="The name ExecutionRequest.language takes.")
    display_name: str
    image: str
    runtime_version: str = Field(description="The exact compiler or interpreter, as the image's recipe stamped it.")
    modes: list[str] = Field(description="What a submission can be: function, program.")
    file_extensions: list[str] = Field(description="How the CLI tells a file's language.")
    default_limits: LimitsOut = Field(description="What a submission that sets no limits gets.")


class CheckOut(BaseModel):
    name: str
    ok: bool
    detail: str


class ReadinessOut(BaseModel):
    ready: bool
    checks: list[CheckOut]


class ProblemOut(BaseModel):
    """Every error answer: what kind, which request field (when one is to blame), and why."""

    error: str = Field(
        description="invalid_submission, malformed_request, unsupported_media_type, request_too_large, "
        "request_timeout, not_found, method_not_allowed, overloaded, unavailable, internal"
    )
    field: str | None = None
    detail: str
    execution_id: str | None = None
