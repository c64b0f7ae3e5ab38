"""`coderunner doctor` checks everything it can and says what it found, where, in plain words."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from running_server import database_url

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def doctor(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CODERUNNER_")}
    environment.update({"COLUMNS": "400", "CODERUNNER_LOG_LEVEL": "warning", **env})
    return subprocess.run(
        [sys.executable, "-m", "coderunner", "doctor"],
        env=environment,
        cwd=tmp_path,  # no stray .env is read
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )


def rows(output: str) -> dict[str, tuple[str, str]]:
    """The table's rows: check name → (status, detail)."""
    found = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip("│┃ ").split("│")]
        if len(cells) == 3 and cells[1] in ("ok", "warn", "fail"):
            found[cells[0]] = (cells[1], cells[2])
    return found


def test_with_the_engine_down_the_database_is_still_checked(tmp_path: Path) -> None:
    result = doctor(
        tmp_path, DOCKER_HOST="unix:///nonexistent/docker.sock", CODERUNNER_DATABASE_URL=f"sqlite:///{tmp_path}/d.db"
    )
    assert 2 == result.returncode, result.stdout + result.stderr
    checks = rows(result.stdout)
    engine_status, engine_detail = checks["docker engine"]
    assert "fail" == engine_status
    assert "does not answer at unix:///nonexistent/docker.sock (No such file or directory)" in engine_detail
    assert "fail" == checks["image coderunner-cpp"][0]
    assert ("ok", f"answers at sqlite:///{tmp_path}/d.db") == checks["database"]


def test_with_everything_up_each_check_names_where_it_looked(tmp_path: Path, docker_client: object) -> None:
    url = database_url("postgresql", tmp_path)
    result = doctor(tmp_path, DOCKER_HOST=os.environ.get("DOCKER_HOST", ""), CODERUNNER_DATABASE_URL=url)
    checks = rows(result.stdout)
    assert "ok" == checks["docker engine"][0], result.stdout
    assert checks["docker engine"][1].endswith(
        f"answers at {os.environ.get('DOCKER_HOST') or 'unix:///var/run/docker.sock'}"
    )
    assert "ok" == checks["database"][0]
    assert checks["database"][1].startswith("answers at postgresql")
    assert "@" not in checks["database"][1]
