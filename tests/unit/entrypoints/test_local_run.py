"""`coderunner run` reads test cases with the proto's field names, tolerance included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coderunner.domain.submission import Tolerance
from coderunner.entrypoints.cli.local_run import read_tests


def write(tmp_path: Path, tests: object) -> Path:
    path = tmp_path / "tests.json"
    path.write_text(json.dumps(tests))
    return path


def test_a_tests_tolerance_is_read_and_an_absent_one_is_none(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            {"code_version_test_id": "a", "input": "1", "expected_output": "8.18", "tolerance": {"absolute": 0.01}},
            {"code_version_test_id": "b", "input": "1", "expected_output": "1"},
        ],
    )
    assert [Tolerance(absolute=0.01), None] == [test.tolerance for test in read_tests(path)]


@pytest.mark.parametrize("tolerance", [0.01, {"abs": 0.01}, [0.01]])
def test_a_tolerance_that_is_not_an_object_of_known_fields_names_the_test(tmp_path: Path, tolerance: object) -> None:
    with pytest.raises(ValueError, match=r"tests\[0\]\.tolerance must be an object"):
        read_tests(write(tmp_path, [{"input": "1", "expected_output": "1", "tolerance": tolerance}]))
