"""Realistic Java exercises graded end to end (``exercise_files.ExerciseChecks``): the correct
code is accepted, a typical student mistake passes exactly the tests it should (see
``exercises/*.json``, ``mistake`` says which)."""

from __future__ import annotations

from pathlib import Path

import pytest
from exercise_files import ExerciseChecks

pytestmark = [pytest.mark.integration, pytest.mark.verdicts, pytest.mark.timeout(120)]


class TestJavaExercises(ExerciseChecks):
    folder = Path(__file__).parent
