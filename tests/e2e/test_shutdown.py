"""Stopping the server: every caller still there gets the documented answer, and nobody holds the exit.

Each test starts its own server (SQLite: the database plays no part in how it stops).
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import docker
import grpc
import httpx
import pytest
from running_server import RunningServer, database_url, wait_until

from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.entrypoints.grpc._generated import code_runner_pb2_grpc as pb_grpc

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

LONG_SLEEPER = (
    "#include <chrono>\n#include <thread>\nint main() { std::this_thread::sleep_for(std::chrono::seconds(90)); }\n"
)


@pytest.fixture
def start(tmp_path: Path, docker_client: docker.DockerClient) -> Iterator[Callable[..., RunningServer]]:
    """``start(**settings)`` → a started server of this test. A test that fails midway may
    leave its server up: it is killed and its sandboxes removed here, so that the next
    test does not inherit them."""
    started: list[RunningServer] = []

    def start_one(**settings: object) -> RunningServer:
        server = RunningServer(tmp_path / "server", database_url("sqlite", tmp_path), **settings)
        started.append(server)
        return server.start()

    yield start_one
    for server in started:
        if server.process is not None and server.process.poll() is None:
            server.kill()
        for container in server.containers():
            with contextlib.suppress(docker.errors.NotFound):
                docker_client.api.remove_container(container, force=True, v=True)


def read_all(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def test_a_client_that_sent_half_a_body_gets_503_at_once_when_the_server_stops(
    start: Callable[..., RunningServer],
) -> None:
    # Given a client that sent half its body, to a server that would wait for the rest for 5 minutes
    server = start(request_read_timeout_s=300)
    head = (
        b"POST /v1/executions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\nExpect: 100-continue\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.http_port)) as connection:
        connection.settimeout(60)
        connection.sendall(head)
        # uvicorn says "100 Continue" when the application starts reading the body
        assert connection.recv(1024).startswith(b"HTTP/1.1 100 ")
        connection.sendall(b'{"code": "int')
        # When the server is asked to stop
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        answer = read_all(connection)
    # Then the client is answered 503 at once, and the server exits cleanly
    assert answer.startswith(b"HTTP/1.1 503 "), answer
    assert b"application/problem+json" in answer
    assert b"shutting down" in answer
    assert 0 == server.process.wait(60), server.log_tail()  # after that one signal: stop() would send a second


def test_callers_still_waiting_when_the_grace_ends_get_503_and_unavailable(
    start: Callable[..., RunningServer],
) -> None:
    # Given two evaluations that outlast the shutdown grace, one waited for over REST, one over gRPC
    server = start(slots=2, request_wait_s=600)
    student = f"student-{uuid.uuid4().hex[:12]}"
    document = {
        "student_id": student,
        "code": LONG_SLEEPER,
        "tests": [{"code_version_test_id": "t1", "input": "", "expected_output": ""}],
        "limits": {"timeout_s": 60},  # outlasts the 20 s grace, within the default ceiling
    }
    request = pb.ExecutionRequest(
        student_id=student,
        code=LONG_SLEEPER,
        tests=[pb.TestCase(code_version_test_id="t1")],
        limits=pb.Limits(timeout_s=60),
    )

    def over_rest() -> httpx.Response:
        return httpx.post(f"{server.http_url}/v1/executions", json=document, timeout=120)

    def over_grpc() -> grpc.StatusCode | None:
        with grpc.insecure_channel(server.grpc_target) as channel:
            stub = pb_grpc.SolutionEvaluationServiceStub(channel)  # type: ignore[no-untyped-call]
            try:
                stub.EvaluateSolution(request, timeout=120)
            except grpc.RpcError as exc:
                code: grpc.StatusCode = exc.code()
                return code
        return None

    def running() -> list[dict[str, Any]] | None:
        page = httpx.get(f"{server.http_url}/v1/executions", params={"student_id": student, "status": "running"})
        items: list[dict[str, Any]] = page.json()["items"]
        return items if len(items) == 2 else None

    with ThreadPoolExecutor(2) as pool:
        rest, rpc = pool.submit(over_rest), pool.submit(over_grpc)
        wait_until(running, 60, "both evaluations to run")
        # When the server is asked to stop, and the grace passes
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        response, code = rest.result(timeout=90), rpc.result(timeout=90)
    # Then each caller gets the documented answer, not a bare 500
    assert 503 == response.status_code, response.text
    assert "application/problem+json" == response.headers["content-type"]
    assert ("unavailable", True) == (response.json()["error"], "shutting down" in response.json()["detail"])
    assert grpc.StatusCode.UNAVAILABLE == code
    line = json.loads(
        wait_until(
            lambda: next((line for line in server.log_tail(200).splitlines() if '"grpc.request"' in line), None),
            30,
            "the gRPC call's log line",
        )
    )
    assert ("CANCELLED", "warning") == (line["code"], line["level"])  # not a failure of the server's
    # And the server exits cleanly once it has ended the sandboxes, even when an impatient
    # operator signals again while it does: a second signal skips the grace, never the clean-up
    # (one that comes once it is over may end the exiting process: nothing is lost then)
    wait_until(lambda: "server.cleaning_up" in server.log_tail(), 60, "the clean-up to start", 0.01)
    server.process.send_signal(signal.SIGTERM)
    exit_code = server.process.wait(60)
    assert exit_code == 0 or (exit_code == -signal.SIGTERM and "server.stopped" in server.log_tail()), (
        f"exit {exit_code}:\n{server.log_tail()}"
    )
    assert [] == server.containers(), server.log_tail()
    # And the records say why they never finished
    server.start()
    try:
        page = httpx.get(f"{server.http_url}/v1/executions", params={"student_id": student}).json()
        assert ["cancelled", "cancelled"] == [item["status"] for item in page["items"]]
    finally:
        server.stop()


def test_the_access_log_is_json_lines_only(start: Callable[..., RunningServer]) -> None:
    """uvicorn's own lines come through structlog too: every line the server writes is one JSON object."""
    server = start()
    httpx.get(f"{server.http_url}/healthz")
    assert 0 == server.stop()
    lines = server.log_path.read_text().splitlines()
    events = [json.loads(line) for line in lines]
    assert {"http.request", "server.listening"} <= {event["event"] for event in events}
    assert any(event.get("logger", "").startswith("uvicorn") for event in events)
