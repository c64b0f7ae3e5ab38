"""Realistic Python exercises graded end to end through the real sandbox
(``exercise_files.ExerciseChecks``): functions over ints, floats, strings, lists, nested
lists and dicts, ``class Solution`` methods, whole programs and custom validation. The
correct code is accepted; a typical student mistake passes exactly the tests it should
(see ``exercises/*.json``, ``mistake`` says which)."""

from __future__ import annotations

from pathlib import Path

import pytest
from exercise_files import ExerciseChecks, exercise_paths, load

pytestmark = [pytest.mark.integration, pytest.mark.verdicts, pytest.mark.timeout(120)]


class TestPythonExercises(ExerciseChecks):
    folder = Path(__file__).parent

    def test_the_exercises_cover_both_modes_and_custom_validation(self) -> None:
        exercises = [load(path) for path in exercise_paths(self.folder)]
        kinds = {exercise["kind"] for exercise in exercises}
        customs = [e for e in exercises if any(t["custom_validation_code"] for t in e["tests"])]
        assert ({"function", "program"}, True) == (kinds, len(customs) >= 5)
