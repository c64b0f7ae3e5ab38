"""Realistic Python exercises graded end to end through the real sandbox: functions over
ints, floats, strings, lists, nested lists and dicts, ``class Solution`` methods, whole
programs and custom validation. The correct code is accepted; a typical student mistake
passes exactly the tests it should (see ``exercises/*.json``, ``mistake`` says which)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from exercise_files import check_well_formed, exercise_cases, exercise_ids, exercise_paths, load

from coderunner.domain.outcome import Grade, Verdict

pytestmark = [pytest.mark.integration, pytest.mark.verdicts, pytest.mark.timeout(120)]

GradeFn = Callable[..., Awaitable[Grade]]
EXERCISES = exercise_paths(Path(__file__).parent)


def test_there_are_enough_well_formed_exercises() -> None:
    check_well_formed(EXERCISES, 30)
    kinds = {load(path)["kind"] for path in EXERCISES}
    customs = [p for p in EXERCISES if any(t["custom_validation_code"] for t in load(p)["tests"])]
    assert ({"function", "program"}, True) == (kinds, len(customs) >= 5)


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
async def test_the_correct_code_is_accepted(grade: GradeFn, path: Path) -> None:
    exercise = load(path)
    ids = exercise_ids(exercise)

    result = await grade(exercise["code"], exercise_cases(exercise), exercise.get("function_name"))

    assert (Verdict.ACCEPTED, ids) == (result.verdict, result.approved_test_ids), result
    assert exercise["kind"] == result.details["mode"]


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
async def test_the_wrong_code_passes_exactly_the_tests_it_should(grade: GradeFn, path: Path) -> None:
    exercise = load(path)

    result = await grade(exercise["wrong_code"], exercise_cases(exercise), exercise.get("function_name"))

    assert set(exercise["wrong_approved"]) == set(result.approved_test_ids), exercise["mistake"]
    assert result.verdict in (Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR)
