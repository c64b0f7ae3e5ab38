"""The README's API-keys and metrics examples run as written against a real server with
CODERUNNER_REQUIRE_API_KEYS=true: the key made by `coderunner keys create` grades a
submission, `keys revoke "$KEY"` shuts it out, and /metrics then counts what ran."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from running_server import RunningServer, database_url

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def section_blocks(title: str) -> list[str]:
    """The bash blocks of the README section ``### title``."""
    section = README.split(f"\n### {title}\n", 1)[1].split("\n### ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, docker_client: object) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("readme-operations")
    with RunningServer(folder, database_url("sqlite", folder), require_api_keys="true").serving() as running:
        yield running


def run_block(block: str, server: RunningServer) -> subprocess.CompletedProcess[str]:
    """``block`` in bash from the repository root, pointed at ``server`` and its database."""
    env = {**os.environ, "CODERUNNER_DATABASE_URL": server.env["CODERUNNER_DATABASE_URL"]}
    command = "set -e\n" + block.replace("localhost:8080", f"127.0.0.1:{server.http_port}")
    return subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def keys_example(server: RunningServer) -> subprocess.CompletedProcess[str]:
    """The API keys block, followed by one more call with the revoked key."""
    [block] = section_blocks("API keys")
    after = (
        'curl -s -o /dev/null -w "after revoke: %{http_code}\\n" localhost:8080/v1/languages'
        ' -H "Authorization: Bearer $KEY"'
    )
    return run_block(f"{block}\n{after}\n", server)


def test_the_api_keys_example_grades_with_a_key_then_revokes_it(keys_example: subprocess.CompletedProcess[str]) -> None:
    output = keys_example.stdout
    assert 0 == keys_example.returncode, keys_example.stderr
    answer, _end = json.JSONDecoder().raw_decode(output, output.index("{"))
    assert ("accepted", ["t1"]) == (answer["verdict"], answer["approved_test_ids"])
    assert "grader-1" in output  # keys list
    assert re.search(r"revoked key_[0-9a-f]{16} \(grader-1\)", output)
    assert "after revoke: 401" in output


def test_the_metrics_example_shows_what_ran(server: RunningServer, keys_example: object) -> None:
    [block] = section_blocks("Metrics")

    result = run_block(block, server)

    assert 0 == result.returncode, result.stderr
    assert 'coderunner_executions_total{language="cpp",status="completed",verdict="accepted"} 1.0' in result.stdout
