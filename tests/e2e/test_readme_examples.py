"""The README's examples work as written: the CLI calls, the curl call and the gRPC snippet.

The server here runs with its warm pool on, as `make run` does, so this also shows that a
pooled server answers and leaves no container behind when it stops.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from running_server import RunningServer, database_url, wait_until

from coderunner.publish.signing import secret_key

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
CODERUNNER = str(Path(sys.executable).with_name("coderunner"))


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, docker_client: object) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("readme-server")
    with RunningServer(folder, database_url("sqlite", folder), warm_pool_size=1).serving() as running:
        yield running


def test_cli_examples_run_as_written(tmp_path: Path, docker_client: object) -> None:
    """Every `coderunner run` line of the README exits 0 (all tests pass); --json prints the result."""
    lines = [line for block in code_blocks("bash") for line in block.splitlines() if " run examples/" in line]
    assert lines, "the README shows `coderunner run` examples"
    env = {"CODERUNNER_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "CODERUNNER_WARM_POOL_SIZE": "0"}
    for line in lines:
        command = line.split("#")[0].split()
        command[0] = CODERUNNER
        result = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env}, timeout=180
        )
        assert 0 == result.returncode, result.stdout + result.stderr
        if "--json" in command:
            assert "accepted" == json.loads(result.stdout)["verdict"]


def test_the_smoke_example_passes_from_the_cli(tmp_path: Path, docker_client: object) -> None:
    """examples/hello.cpp is the original client's smoke test, as a whole program."""
    result = subprocess.run(
        [CODERUNNER, "run", "examples/hello.cpp", "--tests", "examples/hello.json", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "CODERUNNER_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "CODERUNNER_WARM_POOL_SIZE": "0"},
        timeout=180,
    )
    assert 0 == result.returncode, result.stderr
    assert ["hello"] == json.loads(result.stdout)["approved_test_ids"]


def test_curl_examples_work_as_written(server: RunningServer) -> None:
    """The README's curl calls (C++ and Python), pointed at this server's port, answer both tests approved."""
    blocks = [b for b in code_blocks("bash") if b.startswith("curl")]
    assert 2 == len(blocks)
    for block in blocks:
        command = block.replace("localhost:8080", f"127.0.0.1:{server.http_port}")
        result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=180)
        assert 0 == result.returncode, result.stderr
        answer = json.loads(result.stdout)
        assert ("accepted", ["t1", "t2"]) == (answer["verdict"], answer["approved_test_ids"]), block


def test_grpc_snippets_work_as_written(server: RunningServer) -> None:
    """The README's Python gRPC clients (a C++ and a Python submission) print success and the approved test."""
    snippets = [block for block in code_blocks("python") if "import grpc" in block]
    assert 2 == len(snippets)
    for snippet in snippets:
        runnable = snippet.replace("localhost:50051", f"127.0.0.1:{server.grpc_port}")
        result = subprocess.run([sys.executable, "-c", runnable], capture_output=True, text=True, cwd=ROOT, timeout=180)
        assert 0 == result.returncode, result.stderr
        assert "True ['hello']" == result.stdout.strip(), snippet


def test_the_secret_recipe_makes_a_secret_the_service_takes() -> None:
    (line,) = [block.strip() for block in code_blocks("bash") if "whsec_" in block]
    result = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=60, check=True)
    assert 32 == len(secret_key(result.stdout.strip()))


def test_the_webhook_receiver_recipe_verifies_real_deliveries_and_refuses_forgeries(
    tmp_path: Path, docker_client: object
) -> None:
    """The README's receiver, run as written (on a free port), takes a real signed delivery once,
    and answers 401 to a forged signature and to a replayed (old) one."""
    (recipe,) = [block for block in code_blocks("python") if "webhook-signature" in block]
    secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    port = free_port()
    receiver = subprocess.Popen(
        [sys.executable, "-c", recipe.replace("9000", str(port))],
        env={**os.environ, "CODERUNNER_WEBHOOK_SECRET": secret},
        stdout=subprocess.PIPE,
        text=True,
    )
    server = RunningServer(
        tmp_path, database_url("sqlite", tmp_path), webhook_secret=secret, webhook_allowed="127.0.0.1/32"
    ).start()
    try:
        wait_until(lambda: port_open(port), 30, "the receiver to listen")
        document = json.loads((ROOT / "examples/two_sum.json").read_text())
        answer = httpx.post(
            f"{server.http_url}/v1/executions",
            json={
                "code": (ROOT / "examples/two_sum.cpp").read_text(),
                "tests": document,
                "callback_url": f"http://127.0.0.1:{port}/graded",
            },
            timeout=180,
        )
        assert 200 == answer.status_code, answer.text
        assert receiver.stdout is not None
        assert f"{answer.json()['id']} completed accepted" == receiver.stdout.readline().strip()

        body = b'{"id": "forged"}'
        now = int(time.time())
        key = base64.b64decode(secret.removeprefix("whsec_"))

        def signed(at: int) -> dict[str, str]:
            digest = hmac.new(key, f"msg-1.{at}.".encode() + body, hashlib.sha256).digest()
            return {
                "webhook-id": "msg-1",
                "webhook-timestamp": str(at),
                "webhook-signature": "v1," + base64.b64encode(digest).decode(),
            }

        forged = {**signed(now), "webhook-signature": "v1," + base64.b64encode(b"x" * 32).decode()}
        url = f"http://127.0.0.1:{port}/graded"
        assert 401 == httpx.post(url, content=body, headers=forged).status_code
        assert 401 == httpx.post(url, content=body, headers=signed(now - 3600)).status_code  # replayed
    finally:
        server.stop()
        receiver.kill()
        receiver.communicate()  # reaps it and closes its stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
