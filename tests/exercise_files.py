"""Exercise files shared by every language's exercise tests (``tests/integration/<lang>/exercises/*.json``).

Each file holds ``code`` (correct), ``wrong_code`` (a typical mistake), ``mistake`` (what it is),
``wrong_approved`` (the test ids the mistake still passes), optionally ``function_name``, and
``tests`` with the proto's field names (plus an optional ``tolerance`` object), and ``kind``
(``function`` or ``program``: the mode the code is graded in).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
from language_grading import GradeFn

from coderunner.domain.outcome import Verdict
from coderunner.domain.submission import TestCase, Tolerance


def exercise_paths(folder: Path) -> list[Path]:
    return sorted((folder / "exercises").glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def exercise_ids(exercise: dict[str, Any]) -> list[str]:
    return [t["code_version_test_id"] for t in exercise["tests"]]


def exercise_cases(exercise: dict[str, Any]) -> list[TestCase]:
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


def check_well_formed(paths: list[Path], minimum: int) -> None:
    """At least ``minimum`` exercises, each with 3 to 10 tests and a mistake that some test catches."""
    assert len(paths) >= minimum
    for path in paths:
        exercise = load(path)
        ids = exercise_ids(exercise)
        assert 3 <= len(ids) <= 10, path.name
        assert exercise["code"] != exercise["wrong_code"], path.name
        assert set(exercise["wrong_approved"]) < set(ids), path.name  # the mistake is caught


class ExerciseChecks:
    """The exercise checks of one language: a test class in its folder inherits them and
    sets ``folder`` (where ``exercises/`` is); its ``grade`` fixture runs the code.

    The correct code is accepted (in the mode the exercise's ``kind`` names); the typical
    mistake passes exactly the tests it should.
    """

    folder: ClassVar[Path]
    minimum: ClassVar[int] = 30

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "path" in metafunc.fixturenames:
            paths = exercise_paths(self.folder)
            metafunc.parametrize("path", paths, ids=[p.stem for p in paths])

    def test_there_are_enough_well_formed_exercises(self) -> None:
        check_well_formed(exercise_paths(self.folder), self.minimum)

    async def test_the_correct_code_is_accepted(self, grade: GradeFn, path: Path) -> None:
        exercise = load(path)
        ids = exercise_ids(exercise)

        result = await grade(exercise["code"], exercise_cases(exercise), exercise.get("function_name"))

        assert (Verdict.ACCEPTED, ids) == (result.verdict, result.approved_test_ids), result
        assert exercise["kind"] == result.details["mode"]

    async def test_the_wrong_code_passes_exactly_the_tests_it_should(self, grade: GradeFn, path: Path) -> None:
        exercise = load(path)

        result = await grade(exercise["wrong_code"], exercise_cases(exercise), exercise.get("function_name"))

        assert set(exercise["wrong_approved"]) == set(result.approved_test_ids), exercise["mistake"]
        assert result.verdict in (Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR)
