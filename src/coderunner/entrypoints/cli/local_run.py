"""`coderunner run`: a local file through the same pipeline as the service."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from coderunner.bootstrap import build_services
from coderunner.domain.execution import Execution, RequestInfo
from coderunner.domain.submission import Submission, TestCase, Tolerance
from coderunner.languages.registry import get_language, language_for_file
from coderunner.settings import Settings

TEST_FIELDS = ("code_version_test_id", "input", "expected_output", "custom_validation_code")
TOLERANCE_FIELDS = ("absolute", "relative")


def read_tests(path: Path) -> list[TestCase]:
    """Test cases from a JSON list of objects with the proto's field names.

    Raises ValueError naming the entry and field that is wrong.
    """
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable JSON file ({exc})") from exc
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of test cases")
    cases = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: tests[{index}] is not an object")
        unknown = set(entry) - {*TEST_FIELDS, "tolerance"}
        if unknown:
            allowed = (*TEST_FIELDS, "tolerance")
            raise ValueError(f"{path}: tests[{index}] has unknown fields {sorted(unknown)}; allowed: {allowed}")
        for name in TEST_FIELDS:
            if not isinstance(entry.get(name, ""), str):
                raise ValueError(f"{path}: tests[{index}].{name} must be a string")
        cases.append(
            TestCase(
                id=entry.get("code_version_test_id", ""),
                input=entry.get("input", ""),
                expected_output=entry.get("expected_output", ""),
                custom_validation_code=entry.get("custom_validation_code", ""),
                tolerance=_read_tolerance(entry.get("tolerance"), f"{path}: tests[{index}].tolerance"),
            )
        )
    return cases


def _read_tolerance(value: Any, where: str) -> Tolerance | None:
    """``{"absolute": 0.01, "relative": 0}`` (either part may be left out); Submission.create checks the values."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - set(TOLERANCE_FIELDS):
        raise ValueError(f"{where} must be an object with the fields {TOLERANCE_FIELDS}")
    return Tolerance(**value)


async def evaluate_file(
    settings: Settings,
    solution: Path,
    tests: Path,
    language_name: str | None,
    function_name: str | None,
    mode: str | None = None,
    limits: Mapping[str, Any] | None = None,  # Limits checks each value's type and range
) -> Execution:
    """Grades ``solution``; its language is ``language_name`` or, when None, told by its
    extension. ``limits`` (by Limits field name) replace the language's defaults."""
    language = get_language(language_name) if language_name else language_for_file(solution.name)
    submission = Submission.create(
        code=solution.read_text(),
        tests=read_tests(tests),
        language=language.name,
        function_name=function_name,
        mode=mode,
        limits=replace(settings.default_limits(language.name, language.default_limits), **(limits or {})),
        policy=settings.input_policy(),
    )
    services = build_services(settings)
    await services.start()
    try:
        return await services.scheduler.evaluate(submission, RequestInfo(user_agent="coderunner-cli"))
    finally:
        await services.stop()
