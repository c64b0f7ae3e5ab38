"""Realistic exercises graded end to end: the correct code is accepted, a typical student
mistake passes exactly the tests it should (see ``exercises/*.json``, ``mistake`` says which)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from coderunner.domain.outcome import Grade, Verdict
from coderunner.domain.submission import TestCase, Tolerance

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

GradeFn = Callable[..., Awaitable[Grade]]
EXERCISES = sorted((Path(__file__).parent / "exercises").glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _tests(exercise: dict[str, Any]) -> list[TestCase]:
    return [
        TestCase(
            t["code_version_test_id"],
            t["input"],
            t["expected_output"],
            t["custom_validation_code"],
            Tolerance(**t["tolerance"]) if "tolerance" in t else None,
        )
        for t in exercise["tests"]
    ]


def test_there_are_enough_well_formed_exercises() -> None:
    assert len(EXERCISES) >= 30
    for path in EXERCISES:
        exercise = _load(path)
        ids = [t["code_version_test_id"] for t in exercise["tests"]]
        assert 3 <= len(ids) <= 10, path.name
        assert exercise["code"] != exercise["wrong_code"], path.name
        assert set(exercise["wrong_approved"]) < set(ids), path.name  # the mistake is caught


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
async def test_the_correct_code_is_accepted(grade: GradeFn, path: Path) -> None:
    exercise = _load(path)
    ids = [t["code_version_test_id"] for t in exercise["tests"]]

    result = await grade(exercise["code"], _tests(exercise), exercise.get("function_name"))

    assert (Verdict.ACCEPTED, ids) == (result.verdict, result.approved_test_ids), result


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
async def test_the_wrong_code_passes_exactly_the_tests_it_should(grade: GradeFn, path: Path) -> None:
    exercise = _load(path)

    result = await grade(exercise["wrong_code"], _tests(exercise), exercise.get("function_name"))

    assert set(exercise["wrong_approved"]) == set(result.approved_test_ids), exercise["mistake"]
    assert result.verdict in (Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR)
