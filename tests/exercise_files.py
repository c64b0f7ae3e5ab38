"""Exercise files shared by every language's exercise tests (``tests/integration/<lang>/exercises/*.json``).

Each file holds ``code`` (correct), ``wrong_code`` (a typical mistake), ``mistake`` (what it is),
``wrong_approved`` (the test ids the mistake still passes), optionally ``function_name``, and
``tests`` with the proto's field names (plus an optional ``tolerance`` object).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
