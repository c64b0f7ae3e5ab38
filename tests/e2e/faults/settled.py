"""Requests the fault tests send, and the check every one of them ends with."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable
from typing import Any

import httpx
from running_server import RunningServer, wait_until

TERMINAL = {"completed", "failed", "timed_out", "cancelled"}
ADD = "int add(int a, int b) { return a + b; }"
SLEEPER = (
    "#include <chrono>\n#include <thread>\nint main() { std::this_thread::sleep_for(std::chrono::seconds(20)); }\n"
)


def body(student_id: str, code: str = ADD, **fields: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "challenge_id": "sum",
        "code_version_id": "v1",
        "student_id": student_id,
        "code": code,
        "tests": [{"code_version_test_id": "t1", "input": "1, 2", "expected_output": "3"}],
        "language": "cpp",
    }
    document.update(fields)
    return document


def sleeper(student_id: str) -> dict[str, Any]:
    """A whole program that sleeps 20 s: it holds a slot until it is cancelled."""
    return body(student_id, SLEEPER, tests=[{"input": "", "expected_output": ""}])


def post_and_hold(server: RunningServer, document: dict[str, Any]) -> socket.socket:
    """POSTs ``document`` (waiting for the result) on a plain socket, so the test can hang up at will."""
    payload = json.dumps(document).encode()
    head = (
        "POST /v1/executions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    connection = socket.create_connection(("127.0.0.1", server.http_port))
    connection.sendall(head.encode() + payload)
    return connection


def records(server: RunningServer, student_id: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{server.http_url}/v1/executions", params={"student_id": student_id, "limit": 200})
    assert 200 == response.status_code, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def record_in(server: RunningServer, student_id: str, status: str, timeout_s: float = 60) -> dict[str, Any]:
    """Waits for the student's only record to reach ``status``."""

    def probe() -> dict[str, Any] | None:
        found = records(server, student_id)
        return found[0] if found and found[0]["status"] == status else None

    return wait_until(probe, timeout_s, f"a record of {student_id} {status}")


def final(server: RunningServer, execution_id: str, timeout_s: float = 30) -> dict[str, Any]:
    """Waits for the execution to reach a final state; returns it."""

    def probe() -> dict[str, Any] | None:
        response = httpx.get(f"{server.http_url}/v1/executions/{execution_id}")
        if response.status_code != 200:
            return None  # e.g. 503 while the database is still coming back
        record: dict[str, Any] = response.json()
        return record if record["status"] in TERMINAL else None

    return wait_until(probe, timeout_s, f"execution {execution_id} to end")


def assert_settled(
    server: RunningServer, *student_ids: str, containers_left: int = 0, gone: Iterable[str] = ()
) -> None:
    """Every record of these students is final, the containers ``gone`` (those that ran
    them) no longer exist, at most ``containers_left`` containers of the server remain
    beyond its serving pools' idle ones (its single-use warm pool; RunningServer.leftovers),
    and the next request is graded."""

    def all_final() -> bool:
        found = []
        for student_id in student_ids:
            page = httpx.get(f"{server.http_url}/v1/executions", params={"student_id": student_id, "limit": 200})
            if page.status_code != 200:  # the database may still be on its way back
                return False
            found += page.json()["items"]
        return all(r["status"] in TERMINAL for r in found)

    wait_until(all_final, 60, "every record to be final")
    wait_until(lambda: not set(gone) & set(server.containers()), 60, "the containers that ran them to go")
    wait_until(lambda: len(server.leftovers()) <= containers_left, 60, "no container left")
    with httpx.Client(base_url=server.http_url, timeout=120) as http:
        answer = http.post("/v1/executions", json=body(student_ids[0]))
    assert 200 == answer.status_code, answer.text
    assert "accepted" == answer.json()["verdict"]


def stop_if_running(server: RunningServer) -> None:
    """Fixture teardown: a test that failed half-way must not leave its server running."""
    if server.process is not None and server.process.poll() is None:
        server.kill()
