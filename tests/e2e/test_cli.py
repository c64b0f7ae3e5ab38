"""`coderunner run` on a terminal: what the service says is printed as written, never as Rich markup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

CODERUNNER = str(Path(sys.executable).with_name("coderunner"))


def _run(
    folder: Path, code: str, tests: list[dict[str, str]], *options: str, **settings: str
) -> subprocess.CompletedProcess[str]:
    (folder / "solution.cpp").write_text(code)
    (folder / "tests.json").write_text(json.dumps(tests))
    env = {**os.environ, "CODERUNNER_DATABASE_URL": f"sqlite:///{folder}/cli.db", "CODERUNNER_WARM_POOL_SIZE": "0"}
    env.update({f"CODERUNNER_{name.upper()}": value for name, value in settings.items()})
    return subprocess.run(
        [CODERUNNER, "run", "solution.cpp", "--tests", "tests.json", *options],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "200"},
        timeout=180,
    )


def test_a_template_error_is_printed_as_text_without_markup_tags(tmp_path: Path, docker_client: object) -> None:
    result = _run(
        tmp_path,
        "int add(int a, int b) { return a + b; }",
        [{"code_version_test_id": "t1", "input": "1, 2, 3", "expected_output": "3"}],
    )

    assert 2 == result.returncode, result.stdout + result.stderr
    assert "template_error: tests[t1]: add takes 2 arguments, the input has 3" in result.stdout
    assert "[bold]" not in result.stdout


def test_brackets_in_test_ids_and_output_are_shown_literally(tmp_path: Path, docker_client: object) -> None:
    """A test id or program output that looks like a closing tag neither breaks the table nor vanishes."""
    code = '#include <cstdio>\nint main() { std::puts("[/red] [bold]x"); }'
    tests = [{"code_version_test_id": "[/x]", "input": "", "expected_output": "something else"}]

    result = _run(tmp_path, code, tests)

    assert 1 == result.returncode, result.stdout + result.stderr
    assert "[/x]" in result.stdout
    assert "[/red] [bold]x" in result.stdout


def test_a_limit_above_the_operators_ceiling_is_refused_before_anything_runs(tmp_path: Path) -> None:
    """The CLI goes through the same check as REST and gRPC."""
    tests = [{"code_version_test_id": "t1", "input": "1, 2", "expected_output": "3"}]

    result = _run(tmp_path, "int add(int a, int b) { return a + b; }", tests, "--cpus", "2", max_cpus="1")

    assert 2 == result.returncode, result.stdout + result.stderr
    assert "error: limits.cpus: must be at most 1 on this service, got 2" in " ".join(result.stderr.split())
