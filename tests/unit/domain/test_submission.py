"""A Submission is validated when built; every violation names its field."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from coderunner.domain.submission import (
    DEFAULT_TOLERANCE,
    InputPolicy,
    Limits,
    Mode,
    Submission,
    TestCase,
    Tolerance,
    text_problem,
)
from coderunner.errors import InvalidSubmission

CODE = "int f(int x) { return x; }"


def make(**overrides: object) -> Submission:
    arguments: dict[str, object] = {"language": "cpp", "code": CODE, "tests": [TestCase("t1", "1", "1")]}
    arguments.update(overrides)
    return Submission.create(**arguments)  # type: ignore[arg-type]


def test_the_domain_has_no_default_language() -> None:
    """What an empty language means is the wire's business (languages/registry.py), not the domain's."""
    with pytest.raises(InvalidSubmission) as caught:
        make(language=" ")
    assert ("language", "is empty") == (caught.value.field, caught.value.problem)


@pytest.mark.parametrize(
    ("given", "mode"), [(None, None), ("", None), ("function", Mode.FUNCTION), (" Program ", Mode.PROGRAM)]
)
def test_a_mode_is_function_program_or_none_to_infer_it(given: str | None, mode: Mode | None) -> None:
    assert mode == make(mode=given).mode


def test_an_unknown_mode_names_the_field_and_the_choices() -> None:
    with pytest.raises(InvalidSubmission) as caught:
        make(mode="script")
    assert "mode" == caught.value.field
    assert "unknown mode 'script'; one of function, program, or empty to infer it" == caught.value.problem


def test_missing_test_ids_are_generated_in_order() -> None:
    submission = make(tests=[TestCase("", "1", "1"), TestCase("  ", "2", "2")])
    assert ["test-1", "test-2"] == [t.id for t in submission.tests]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "   "}, "code"),
        ({"code": "x" * 300_000}, "code"),
        ({"code": "int f();\x00"}, "code"),
        ({"tests": []}, "tests"),
        ({"tests": [TestCase("a"), TestCase("a")]}, "tests[1].code_version_test_id"),
        ({"tests": [TestCase("a", input="x" * 70_000)]}, "tests[0].input"),
        ({"student_id": "s" * 500}, "student_id"),
    ],
)
def test_invalid_requests_name_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidSubmission) as error:
        make(**overrides)
    assert field == error.value.field


def test_too_many_tests_is_refused() -> None:
    with pytest.raises(InvalidSubmission, match="more than 2"):
        make(tests=[TestCase(str(i)) for i in range(3)], policy=InputPolicy(max_tests=2))


@pytest.mark.parametrize(
    ("limits", "field"),
    [
        ({"timeout_s": 0}, "limits.timeout_s"),
        ({"memory_mb": 1}, "limits.memory_mb"),
        ({"cpus": float("nan")}, "limits.cpus"),
        ({"compile_memory_mb": 10**6}, "limits.compile_memory_mb"),
    ],
)
def test_limits_out_of_range_name_the_field(limits: dict[str, float], field: str) -> None:
    with pytest.raises(InvalidSubmission) as error:
        Limits(**limits)  # type: ignore[arg-type]
    assert field == error.value.field


def test_seed_defaults() -> None:
    limits = Limits()
    assert (30.0, 256, 0.5) == (limits.timeout_s, limits.memory_mb, limits.cpus)


@pytest.mark.parametrize("value", [-1e-9, float("inf"), float("nan"), True, "0.1"])
@pytest.mark.parametrize("part", ["absolute", "relative"])
def test_a_tolerance_must_be_a_finite_non_negative_number(part: str, value: object) -> None:
    tolerance = Tolerance(**{part: value})  # type: ignore[arg-type]
    with pytest.raises(InvalidSubmission) as caught:
        make(code="x", tests=[TestCase("t")], tolerance=tolerance)
    assert f"tolerance.{part}" == caught.value.field
    with pytest.raises(InvalidSubmission) as caught:
        make(code="x", tests=[TestCase("t"), TestCase("u", tolerance=tolerance)])
    assert f"tests[1].tolerance.{part}" == caught.value.field


def test_a_tests_tolerance_overrides_the_requests_part_by_part() -> None:
    submission = make(
        code="x",
        tests=[TestCase("own", tolerance=Tolerance(absolute=0.01)), TestCase("inherits")],
        tolerance=Tolerance(relative=0),
    )
    assert [Tolerance(0.01, 0), Tolerance(DEFAULT_TOLERANCE.absolute, 0)] == [
        submission.tolerance_for(test) for test in submission.tests
    ]


def test_zero_tolerance_is_allowed_and_means_exact() -> None:
    submission = make(code="x", tests=[TestCase("t")], tolerance=Tolerance(0, 0))
    assert Tolerance(0, 0) == submission.tolerance


CEILINGS = InputPolicy(max_limits=Limits(timeout_s=10, memory_mb=512, cpus=1, compile_timeout_s=30))


def test_limits_up_to_the_operators_ceiling_are_accepted() -> None:
    limits = Limits(timeout_s=10, memory_mb=512, cpus=1)
    assert limits == make(limits=limits, policy=CEILINGS).limits


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ({"timeout_s": 10.5}, "limits.timeout_s: must be at most 10 on this service, got 10.5"),
        ({"memory_mb": 8192}, "limits.memory_mb: must be at most 512 on this service, got 8192"),
        ({"cpus": 16}, "limits.cpus: must be at most 1 on this service, got 16"),
        ({"compile_memory_mb": 2048}, "limits.compile_memory_mb: must be at most 1024 on this service, got 2048"),
    ],
)
def test_a_limit_above_the_operators_ceiling_is_refused_naming_field_and_maximum(
    asked: dict[str, float], message: str
) -> None:
    with pytest.raises(InvalidSubmission) as caught:
        make(limits=replace(Limits(timeout_s=10), **asked), policy=CEILINGS)
    assert message == str(caught.value)


def test_without_ceilings_only_the_limits_own_ranges_apply() -> None:
    assert 300 == make(limits=Limits(timeout_s=300)).limits.timeout_s


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"student_id": "s\x00"}, "student_id"),
        ({"challenge_id": "\ud800"}, "challenge_id"),
        ({"function_name": "f\x00"}, "function_name"),
        ({"code": "int f();\x00"}, "code"),
        ({"code": "int f(); // \udc00"}, "code"),
        ({"language": "c\x00pp"}, "language"),
        ({"tests": [TestCase("t\x00")]}, "tests[0].code_version_test_id"),
        ({"tests": [TestCase("t", input="\x00")]}, "tests[0].input"),
        ({"tests": [TestCase("t", expected_output="\ud83d")]}, "tests[0].expected_output"),
    ],
)
def test_text_that_cannot_be_stored_or_encoded_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    """NUL and lone surrogates are refused in every field, code and test input included (see text_problem)."""
    arguments: dict[str, Any] = {
        "language": "cpp",
        "code": "int f() { return 1; }",
        "tests": [TestCase("t", expected_output="1")],
    }
    with pytest.raises(InvalidSubmission) as caught:
        Submission.create(**{**arguments, **change})
    assert field == caught.value.field


def test_any_other_unicode_is_accepted() -> None:
    assert None is text_problem("añadir 😀 \u200b \ufeff \x01")
