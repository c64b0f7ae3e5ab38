"""The workload: realistic exercises checked in under bench/workload/, one JSON file each.

An exercise file holds one request in the proto's field names plus a name and a kind::

    {"name": "two_sum", "kind": "function", "language": "cpp", "code": "...",
     "tests": [{"code_version_test_id": "basic", "input": "[2, 7], 9",
                "expected_output": "[0, 1]", "custom_validation_code": ""}]}

``kind`` is "function" (tests call a function) or "program" (tests feed stdin and
compare stdout); it is for the report only, the service decides by itself. Every
exercise is a correct solution: the bench refuses to time anything but an accepted run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coderunner.domain.submission import Submission, TestCase

WORKLOAD_DIR = Path(__file__).parent / "workload"
KINDS = ("function", "program")


@dataclass(frozen=True)
class Exercise:
    name: str
    kind: str
    language: str
    code: str
    tests: tuple[dict[str, str], ...]
    function_name: str | None = None

    def submission(self) -> Submission:
        """The domain object the service would build from this request."""
        cases = [
            TestCase(t["code_version_test_id"], t["input"], t["expected_output"], t["custom_validation_code"])
            for t in self.tests
        ]
        return Submission.create(
            code=self.code,
            tests=cases,
            language=self.language,
            function_name=self.function_name,
            challenge_id=self.name,
            student_id="bench",
        )

    def request(self) -> dict[str, Any]:
        """The body of ``POST /v1/executions`` (and the fields of the gRPC ExecutionRequest)."""
        body: dict[str, Any] = {
            "challenge_id": self.name,
            "code_version_id": "bench",
            "student_id": "bench",
            "code": self.code,
            "tests": [dict(t) for t in self.tests],
            "language": self.language,
        }
        if self.function_name:
            body["function_name"] = self.function_name
        return body


def load_workload(folder: Path = WORKLOAD_DIR) -> list[Exercise]:
    """Every exercise of ``folder``, sorted by name; ValueError names a malformed file."""
    exercises = [_load(path) for path in sorted(folder.glob("*.json"))]
    if not exercises:
        raise ValueError(f"no exercises in {folder}")
    return exercises


def _load(path: Path) -> Exercise:
    try:
        doc = json.loads(path.read_text())
        tests = tuple(
            {
                key: str(test.get(key, ""))
                for key in ("code_version_test_id", "input", "expected_output", "custom_validation_code")
            }
            for test in doc["tests"]
        )
        exercise = Exercise(
            name=str(doc["name"]),
            kind=str(doc["kind"]),
            language=str(doc.get("language", "cpp")),
            code=str(doc["code"]),
            tests=tests,
            function_name=doc.get("function_name"),
        )
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not an exercise ({exc!r})") from exc
    if exercise.kind not in KINDS:
        raise ValueError(f"{path}: kind must be one of {KINDS}, got {exercise.kind!r}")
    if not 3 <= len(tests) <= 10:
        raise ValueError(f"{path}: an exercise has 3 to 10 tests, this one has {len(tests)}")
    return exercise


def spread(exercises: list[Exercise], count: int) -> list[Exercise]:
    """``count`` exercises picked evenly across the sorted list, both kinds in proportion.

    From two exercises on, each kind present gets at least one.
    """
    if count >= len(exercises):
        return list(exercises)
    functions = [e for e in exercises if e.kind == "function"]
    programs = [e for e in exercises if e.kind == "program"]
    wanted = round(count * len(programs) / len(exercises))
    if count >= 2 and functions and programs:
        wanted = min(max(wanted, 1), count - 1)
    picked = _evenly(programs, wanted) + _evenly(functions, count - wanted)
    return sorted(picked, key=lambda e: e.name)


def _evenly(items: list[Exercise], count: int) -> list[Exercise]:
    if count <= 0:
        return []
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]
