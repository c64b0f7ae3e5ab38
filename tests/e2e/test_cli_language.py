"""`coderunner run` tells the language from the file's extension; --language overrides it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CODERUNNER = str(Path(sys.executable).with_name("coderunner"))


def run(tmp_path: Path, solution: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CODERUNNER_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "CODERUNNER_WARM_POOL_SIZE": "0"}
    command = [CODERUNNER, "run", str(solution), "--tests", str(ROOT / "examples/two_sum.json"), *options]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=180, check=False)


def test_an_unknown_extension_without_language_is_a_clear_error(tmp_path: Path) -> None:
    solution = tmp_path / "two_sum.txt"
    shutil.copy(ROOT / "examples/two_sum.cpp", solution)
    result = run(tmp_path, solution)
    assert 2 == result.returncode
    message = " ".join(result.stderr.split())
    assert "cannot tell the language of 'two_sum.txt' from its extension" in message
    assert "--language" in message


def test_language_overrides_the_extension(tmp_path: Path, docker_client: object) -> None:
    solution = tmp_path / "two_sum.txt"
    shutil.copy(ROOT / "examples/two_sum.cpp", solution)
    result = run(tmp_path, solution, "--language", "cpp")
    assert 0 == result.returncode, result.stdout + result.stderr


def test_another_cpp_extension_is_told_apart(tmp_path: Path, docker_client: object) -> None:
    solution = tmp_path / "two_sum.cc"
    shutil.copy(ROOT / "examples/two_sum.cpp", solution)
    result = run(tmp_path, solution, "--json")
    assert 0 == result.returncode, result.stdout + result.stderr
    assert '"language": "cpp"' in result.stdout
