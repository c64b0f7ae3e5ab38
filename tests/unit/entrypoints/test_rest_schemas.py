"""The REST documents: strict parsing, defaults merged, errors naming the field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from pydantic import ValidationError

from coderunner.domain.execution import Execution, ExecutionStatus
from coderunner.domain.outcome import Verdict
from coderunner.domain.submission import DEFAULT_TOLERANCE, InputPolicy, Limits, TestCase, Tolerance
from coderunner.entrypoints.rest.problems import field_path
from coderunner.entrypoints.rest.schemas import ExecutionOut, ExecutionRequestIn, ExecutionSummaryOut
from coderunner.errors import InvalidSubmission

MakeExecution = Callable[..., Execution]  # the conftest fixture


DEFAULTS = Limits()
BODY = {
    "code": "int add(int a, int b) { return a + b; }",
    "tests": [{"code_version_test_id": "t1", "input": "1, 2", "expected_output": "3"}],
}


def parse(**fields: object) -> ExecutionRequestIn:
    return ExecutionRequestIn.model_validate_json(__import__("json").dumps({**BODY, **fields}))


def test_a_minimal_body_is_a_cpp_submission_with_default_limits() -> None:
    submission = parse().to_submission(InputPolicy(), lambda language: DEFAULTS)
    assert ("cpp", DEFAULTS, ("t1",)) == (submission.language, submission.limits, tuple(t.id for t in submission.tests))


def test_given_limits_override_the_defaults_and_the_rest_stay() -> None:
    submission = parse(limits={"timeout_s": 2, "memory_mb": 128}).to_submission(
        InputPolicy(), lambda language: DEFAULTS
    )
    assert (2.0, 128, DEFAULTS.cpus) == (
        submission.limits.timeout_s,
        submission.limits.memory_mb,
        submission.limits.cpus,
    )


def test_an_out_of_range_limit_names_its_field() -> None:
    with pytest.raises(InvalidSubmission) as caught:
        parse(limits={"timeout_s": 10_000}).to_submission(InputPolicy(), lambda language: DEFAULTS)
    assert "limits.timeout_s" == caught.value.field


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"code": 5}, "code"),
        ({"limits": {"memory_mb": "256"}}, "limits.memory_mb"),
        ({"tests": [{"input": 1}]}, "tests[0].input"),
        ({"tolerance": {"absolute": "0.1"}}, "tolerance.absolute"),
        ({"tolerance": {"relative": -1}}, "tolerance.relative"),
        ({"tests": [{"tolerance": {"absolute": -0.5}}]}, "tests[0].tolerance.absolute"),
    ],
)
def test_wrong_types_are_refused_not_coerced(fields: dict[str, object], where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(**fields)
    assert where == field_path(("body", *caught.value.errors()[0]["loc"]))


def test_tolerances_reach_the_submission_and_omitted_parts_are_inherited() -> None:
    body = parse(
        tolerance={"relative": 0},
        tests=[
            {
                "code_version_test_id": "t1",
                "input": "8.181534",
                "expected_output": "8.18",
                "tolerance": {"absolute": 0.01},
            }
        ],
    )
    submission = body.to_submission(InputPolicy(), lambda language: DEFAULTS)
    assert Tolerance(DEFAULT_TOLERANCE.absolute, 0.0) == submission.tolerance
    assert Tolerance(0.01, 0.0) == submission.tolerance_for(submission.tests[0])


def test_without_a_tolerance_the_default_applies() -> None:
    assert DEFAULT_TOLERANCE == parse().to_submission(InputPolicy(), lambda language: DEFAULTS).tolerance


def test_an_infinite_tolerance_is_refused() -> None:
    """JSON has no infinity, but Python's parser reads ``Infinity``: it must not get through."""
    with pytest.raises(ValidationError) as caught:
        ExecutionRequestIn.model_validate_json('{"code": "x", "tests": [], "tolerance": {"absolute": Infinity}}')
    assert "tolerance.absolute" == field_path(("body", *caught.value.errors()[0]["loc"]))


def test_the_document_shows_the_tolerance_each_test_was_judged_with(make_execution: MakeExecution) -> None:
    execution = make_execution()
    tests = (TestCase("t1", "1, 2", "3", tolerance=Tolerance(absolute=0.5)), *execution.submission.tests[1:])
    submission = replace(execution.submission, tests=tests, tolerance=Tolerance(1e-3, 1e-4))
    document = ExecutionOut.from_execution(replace(execution, submission=submission)).model_dump(mode="json")
    assert {"absolute": 1e-3, "relative": 1e-4} == document["tolerance"]
    assert [{"absolute": 0.5, "relative": 1e-4}, {"absolute": 1e-3, "relative": 1e-4}] == [
        t["tolerance"] for t in document["tests"][:2]
    ]


@pytest.mark.parametrize(
    ("loc", "text"),
    [
        (("body", "tests", 2, "input"), "tests[2].input"),
        (("query", "limit"), "limit"),
        (("body",), "body"),
        (("body", "limits", "cpus"), "limits.cpus"),
    ],
)
def test_field_path(loc: tuple[int | str, ...], text: str) -> None:
    assert text == field_path(loc)


def test_the_full_document_of_a_wrong_answer(make_execution: MakeExecution) -> None:
    document = ExecutionOut.from_execution(make_execution(verdict=Verdict.WRONG_ANSWER, passed=("t1",))).model_dump(
        mode="json"
    )
    assert {
        "id": "e-1",
        "status": "completed",
        "verdict": "wrong_answer",
        "completed": True,
        "success": False,
        "approved_test_ids": ["t1"],
        "failed_test_ids": ["t2", "t3"],
        "total_tests": 3,
        "passed_tests": 1,
        "failed_tests": 2,
        "created_at": "2024-05-01T12:00:00Z",
    }.items() <= document.items()
    assert {"test_id": "t2", "status": "failed", "passed": False}.items() <= document["tests"][1].items()
    assert [{"expression": "add(1, 2) == 3", "expected": "3", "actual": "4", "line": 7, "message": ""}] == document[
        "tests"
    ][1]["failures"]


def test_a_pending_execution_has_no_results_yet(make_execution: MakeExecution) -> None:
    document = ExecutionSummaryOut.from_execution(make_execution(status=ExecutionStatus.PENDING, verdict=None))
    assert ("pending", "", 3, 0, 0, None) == (
        document.status,
        document.verdict,
        document.total_tests,
        document.passed_tests,
        document.failed_tests,
        document.finished_at,
    )


def test_callback_url_reaches_the_submission_and_a_malformed_one_names_the_field() -> None:
    url = "https://hooks.example.com/graded"
    assert url == parse(callback_url=url).to_submission(InputPolicy(), lambda language: DEFAULTS).callback_url
    with pytest.raises(InvalidSubmission, match="credentials") as refused:
        parse(callback_url="https://u:p@hooks.example.com/").to_submission(InputPolicy(), lambda language: DEFAULTS)
    assert "callback_url" == refused.value.field
