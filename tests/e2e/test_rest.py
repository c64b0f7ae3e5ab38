"""The REST API, end to end: a real server over a real socket, real sandboxes, a real database.

One server per database serves the whole module (2 slots, a short waiting line); the
crash-recovery test starts its own.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from running_server import DATABASES, RunningServer, database_url, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

ADD = "int add(int a, int b) { return a + b; }"
WRONG_ADD = "int add(int a, int b) { return a - b; }"
BROKEN = "int add(int a, int b) { return a + ; }"
SLEEPER = (
    "#include <chrono>\n#include <thread>\nint main() { std::this_thread::sleep_for(std::chrono::seconds(20)); }\n"
)
TERMINAL = {"completed", "failed", "timed_out", "cancelled"}
SLOTS, QUEUE_LIMIT = 2, 4


@pytest.fixture(scope="module", params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    return database_url(request.param, tmp_path_factory.mktemp(f"db-{request.param}"))


@pytest.fixture(scope="module")
def server(database: str, tmp_path_factory: pytest.TempPathFactory, docker_client: object) -> Iterator[RunningServer]:
    with RunningServer(
        tmp_path_factory.mktemp("rest-server"), database, slots=SLOTS, queue_limit=QUEUE_LIMIT
    ).serving() as running:
        yield running


@pytest.fixture
def student() -> str:
    """A student id no other test (or earlier run on the same PostgreSQL) uses."""
    return f"student-{uuid.uuid4().hex[:12]}"


def body(code: str = ADD, student_id: str = "s", **fields: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "challenge_id": "sum",
        "code_version_id": "v1",
        "student_id": student_id,
        "code": code,
        "tests": [
            {"code_version_test_id": "t1", "input": "1, 2", "expected_output": "3"},
            {"code_version_test_id": "t2", "input": "-4, 4", "expected_output": "0"},
        ],
        "language": "cpp",
    }
    document.update(fields)
    return document


def raw_request(method: str, path: str, port: int, payload: bytes, content_length: int | None = None) -> socket.socket:
    """Sends a request on a plain socket and returns the socket, so a test can hang up at will."""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += f"Content-Length: {len(payload) if content_length is None else content_length}\r\n\r\n"
    connection = socket.create_connection(("127.0.0.1", port))
    connection.sendall(head.encode() + payload)
    return connection


def stored(http: httpx.Client, student_id: str) -> list[dict[str, Any]]:
    response = http.get("/v1/executions", params={"student_id": student_id, "limit": 200})
    assert 200 == response.status_code, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_correct_function_is_accepted(http: httpx.Client, student: str) -> None:
    started = time.monotonic()
    response = http.post("/v1/executions", json=body(student_id=student))
    elapsed = time.monotonic() - started
    assert 200 == response.status_code, response.text
    result = response.json()
    assert {
        "status": "completed",
        "verdict": "accepted",
        "completed": True,
        "success": True,
        "approved_test_ids": ["t1", "t2"],
        "failed_test_ids": [],
        "total_tests": 2,
        "passed_tests": 2,
        "failed_tests": 0,
        "error_type": "",
        "student_id": student,
    }.items() <= result.items()
    assert ["passed", "passed"] == [t["status"] for t in result["tests"]]
    assert result["image_id"].startswith("sha256:")
    assert result["finished_at"] is not None
    print(f"accepted in {elapsed * 1000:.0f} ms (server: {result['execution_time_ms']} ms)")
    # The stored record is the same document.
    again = http.get(f"/v1/executions/{result['id']}").json()
    assert result == again


def test_a_wrong_answer_lists_the_failed_tests(http: httpx.Client, student: str) -> None:
    wrong = body(
        WRONG_ADD,
        student,
        tests=[
            {"code_version_test_id": "t1", "input": "1, 2", "expected_output": "3"},
            {"code_version_test_id": "t2", "input": "0, 0", "expected_output": "0"},
        ],
    )
    response = http.post("/v1/executions", json=wrong)
    assert 200 == response.status_code, response.text
    result = response.json()
    assert ("completed", "wrong_answer", True, False) == (
        result["status"],
        result["verdict"],
        result["completed"],
        result["success"],
    )
    assert (["t2"], ["t1"], 1) == (result["approved_test_ids"], result["failed_test_ids"], result["failed_tests"])
    failed = result["tests"][0]
    assert (False, "failed") == (failed["passed"], failed["status"])


AREA = "double area(double r) { return 3.14159265358979 * r * r; }"


def test_tolerances_decide_floating_point_tests_and_the_record_shows_them(http: httpx.Client, student: str) -> None:
    """The request's tolerance applies to every test without its own; GET shows what each was judged with."""
    tests = [
        {"code_version_test_id": "exact", "input": "1", "expected_output": "3.14159265358979"},
        {
            "code_version_test_id": "rounded",
            "input": "1.6138",
            "expected_output": "8.18",
            "tolerance": {"absolute": 0.01},
        },
        {
            "code_version_test_id": "too_far",
            "input": "1.6138",
            "expected_output": "8.1",
            "tolerance": {"absolute": 0.01},
        },
        {"code_version_test_id": "cents", "input": "10", "expected_output": "314.159"},
    ]
    document = body(AREA, student, tests=tests, tolerance={"absolute": 0.001, "relative": 0})

    response = http.post("/v1/executions", json=document)

    assert 200 == response.status_code, response.text
    result = response.json()
    assert (["exact", "rounded", "cents"], ["too_far"]) == (result["approved_test_ids"], result["failed_test_ids"])
    assert {"absolute": 0.001, "relative": 0.0} == result["tolerance"]
    assert [0.001, 0.01, 0.01, 0.001] == [t["tolerance"]["absolute"] for t in result["tests"]]
    assert result == http.get(f"/v1/executions/{result['id']}").json()


def test_maps_and_sets_are_literals_in_and_out(http: httpx.Client, student: str) -> None:
    code = (
        "#include <map>\n#include <string>\n#include <unordered_set>\n"
        "std::unordered_set<int> values(const std::map<std::string, int>& m) {\n"
        "    std::unordered_set<int> out;\n    for (const auto& [k, v] : m) out.insert(v);\n    return out;\n}\n"
    )
    tests = [
        {"code_version_test_id": "two", "input": '{"a": 1, "b": 2}', "expected_output": "[2, 1]"},
        {"code_version_test_id": "braces", "input": '{"a": 5, "b": 5}', "expected_output": "{5}"},
        {"code_version_test_id": "wrong", "input": '{"a": 1}', "expected_output": "{2}"},
    ]
    response = http.post("/v1/executions", json=body(code, student, tests=tests))
    assert 200 == response.status_code, response.text
    result = response.json()
    assert (["two", "braces"], "wrong_answer") == (result["approved_test_ids"], result["verdict"])
    assert ("{1}", "{2}") == (
        result["tests"][2]["failures"][0]["actual"],
        result["tests"][2]["failures"][0]["expected"],
    )


def test_a_compile_error_is_a_result_with_the_compiler_output(http: httpx.Client, student: str) -> None:
    response = http.post("/v1/executions", json=body(BROKEN, student))
    assert 200 == response.status_code, response.text
    result = response.json()
    assert ("completed", "compilation_error", "compilation_error") == (
        result["status"],
        result["verdict"],
        result["error_type"],
    )
    assert "error" in result["compile_output"]
    assert (0, 2) == (result["passed_tests"], result["failed_tests"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "   "}, "code"),
        ({"tests": []}, "tests"),
        (
            {
                "tests": [
                    {"code_version_test_id": "a", "input": "1, 2", "expected_output": "3"},
                    {"code_version_test_id": "a", "input": "2, 2", "expected_output": "4"},
                ]
            },
            "tests[1].code_version_test_id",
        ),
        ({"language": "cobol"}, "language"),
        ({"limits": {"timeout_s": 100_000}}, "limits.timeout_s"),
        ({"limits": {"memory_mb": 1}}, "limits.memory_mb"),
        ({"limits": {"cpus": "many"}}, "limits.cpus"),
        ({"code": "int x;" + " " * 300_000}, "code"),
        ({"code": 42}, "code"),
        ({"tolerance": {"absolute": -0.01}}, "tolerance.absolute"),
        (
            {"tests": [{"input": "1, 2", "expected_output": "3", "tolerance": {"relative": "1%"}}]},
            "tests[0].tolerance.relative",
        ),
    ],
)
def test_an_invalid_request_is_422_naming_the_field_and_nothing_is_stored(
    http: httpx.Client, student: str, change: dict[str, Any], field: str
) -> None:
    response = http.post("/v1/executions", json=body(student_id=student, **change))
    assert 422 == response.status_code, response.text
    problem = response.json()
    assert ("invalid_submission", field) == (problem["error"], problem["field"])
    assert [] == stored(http, student)


def test_malformed_json_is_400(http: httpx.Client) -> None:
    response = http.post("/v1/executions", content=b'{"code": ', headers={"content-type": "application/json"})
    assert 400 == response.status_code, response.text
    assert "malformed_request" == response.json()["error"]


def test_a_body_over_the_request_limit_is_413(server: RunningServer) -> None:
    """Refused on its declared length: the server does not read (or wait for) the body."""
    connection = raw_request("POST", "/v1/executions", server.http_port, b"", content_length=5 * 1024 * 1024)
    with connection:
        connection.settimeout(10)
        status_line = connection.makefile("rb").readline()
    assert status_line.startswith(b"HTTP/1.1 413 "), status_line


def test_without_waiting_the_answer_is_202_and_the_result_comes_later(http: httpx.Client, student: str) -> None:
    response = http.post("/v1/executions", params={"wait": "false"}, json=body(student_id=student))
    assert 202 == response.status_code, response.text
    location = response.headers["location"]
    assert f"/v1/executions/{response.json()['id']}" == location
    assert response.json()["status"] in ("pending", "running")

    def finished() -> dict[str, Any] | None:
        document: dict[str, Any] = http.get(location).json()
        return document if document["status"] in TERMINAL else None

    result = wait_until(finished, 60, "the execution to finish", interval_s=0.25)
    assert ("completed", "accepted", ["t1", "t2"]) == (
        result["status"],
        result["verdict"],
        result["approved_test_ids"],
    )


def test_the_list_filters_and_pages(http: httpx.Client, student: str) -> None:
    async def submit_three() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=str(http.base_url), timeout=120) as client:
            return list(
                await asyncio.gather(
                    client.post("/v1/executions", json=body(student_id=student, challenge_id="a")),
                    client.post("/v1/executions", json=body(student_id=student, challenge_id="a")),
                    client.post("/v1/executions", json=body(WRONG_ADD, student, challenge_id="b")),
                )
            )

    assert [200, 200, 200] == [r.status_code for r in asyncio.run(submit_three())]

    def listed(**params: str | int) -> dict[str, Any]:
        page: dict[str, Any] = http.get("/v1/executions", params={"student_id": student, **params}).json()
        return page

    assert 3 == len(listed()["items"])
    assert 2 == len(listed(challenge_id="a")["items"])
    assert {"b"} == {item["challenge_id"] for item in listed(challenge_id="b")["items"]}
    assert 3 == len(listed(status="completed")["items"])
    assert 0 == len(listed(status="cancelled")["items"])
    first, second = listed(limit=2), listed(limit=2, offset=2)
    assert (2, 2, 1, None) == (len(first["items"]), first["next_offset"], len(second["items"]), second["next_offset"])
    assert 3 == len({item["id"] for item in first["items"] + second["items"]})
    assert 422 == http.get("/v1/executions", params={"status": "lost"}).status_code
    assert 422 == http.get("/v1/executions", params={"limit": 0}).status_code


def test_an_unknown_execution_is_404(http: httpx.Client) -> None:
    response = http.get(f"/v1/executions/{uuid.uuid4()}")
    assert 404 == response.status_code
    assert "not_found" == response.json()["error"]


def test_the_service_endpoints(http: httpx.Client) -> None:
    ready = http.get("/readyz")
    assert 200 == ready.status_code, ready.text
    assert ready.json()["ready"]
    assert {"database"} <= {check["name"] for check in ready.json()["checks"]}
    assert {"status": "alive"} == http.get("/healthz").json()
    assert "cpp" in [language["name"] for language in http.get("/v1/languages").json()]
    assert 200 == http.get("/docs").status_code
    assert "/v1/executions" in http.get("/openapi.json").json()["paths"]


def test_each_language_is_listed_with_its_exact_runtime_version_modes_and_limits(
    http: httpx.Client, student: str
) -> None:
    """The version listed is the one every result of that language reports."""
    listed = {language["name"]: language for language in http.get("/v1/languages").json()}
    cpp = listed["cpp"]
    assert cpp["runtime_version"].startswith("g++ 14.")
    assert (["function", "program"], [".cpp", ".cc", ".cxx"]) == (cpp["modes"], cpp["file_extensions"])
    assert (30.0, 256, 0.5, 1024) == tuple(
        cpp["default_limits"][key] for key in ("timeout_s", "memory_mb", "cpus", "compile_memory_mb")
    )
    result = http.post("/v1/executions", json=body(student_id=student)).json()
    assert cpp["runtime_version"] == result["compiler_version"]


def test_an_explicit_mode_decides_how_the_code_is_run(http: httpx.Client, student: str) -> None:
    """Function mode tests the function even when the code has a main; program mode needs a main."""
    with_main = ADD + "\nint main() { return add(1, 1) == 2 ? 0 : 1; }\n"
    as_function = http.post("/v1/executions", json=body(with_main, student, mode="function")).json()
    assert ("accepted", ["t1", "t2"]) == (as_function["verdict"], as_function["approved_test_ids"])
    as_program = http.post("/v1/executions", json=body(ADD, student, mode="program")).json()
    assert ("template_error", "completed") == (as_program["error_type"], as_program["status"])
    assert "defines none" in as_program["error_message"]
    refused = http.post("/v1/executions", json=body(ADD, student, mode="script"))
    assert (422, "mode") == (refused.status_code, refused.json()["field"])


def test_fifty_concurrent_requests_are_all_answered_and_none_is_lost(server: RunningServer, student: str) -> None:
    async def fire() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=60)
        async with httpx.AsyncClient(base_url=server.http_url, timeout=150, limits=limits) as client:
            return list(
                await asyncio.gather(*(client.post("/v1/executions", json=body(student_id=student)) for _ in range(50)))
            )

    started = time.monotonic()
    responses = asyncio.run(fire())
    elapsed = time.monotonic() - started
    statuses = Counter(r.status_code for r in responses)
    print(f"50 requests against {SLOTS} slots: {dict(statuses)} in {elapsed:.1f} s")
    assert set(statuses) <= {200, 429}, {r.status_code: r.text for r in responses if r.status_code not in (200, 429)}
    assert statuses[200] >= SLOTS
    accepted_ids = {r.json()["id"] for r in responses if r.status_code == 200}
    assert all(r.json()["verdict"] == "accepted" for r in responses if r.status_code == 200)
    assert all(r.json()["error"] == "overloaded" for r in responses if r.status_code == 429)
    with httpx.Client(base_url=server.http_url) as http:
        assert accepted_ids == {item["id"] for item in stored(http, student)}


def test_a_client_that_disconnects_cancels_its_evaluation(server: RunningServer, student: str) -> None:
    # Given an evaluation that would sleep for 20 s, waited for by a raw HTTP client
    payload = json.dumps(body(SLEEPER, student, tests=[{"input": "", "expected_output": ""}])).encode()
    connection = raw_request("POST", "/v1/executions", server.http_port, payload)
    with connection, httpx.Client(base_url=server.http_url) as http:
        running = wait_until(
            lambda: next((e for e in stored(http, student) if e["status"] == "running"), None),
            30,
            "the evaluation to start",
        )
        busy = wait_until(lambda: server.busy_containers() or None, 30, "its sandbox container")
        # When the client goes away
        connection.close()
        # Then the evaluation is cancelled and its container removed
        result = wait_until(
            lambda: (d := http.get(f"/v1/executions/{running['id']}").json())["status"] in TERMINAL and d,
            15,
            "the record to end",
        )
        assert ("cancelled", "cancelled") == (result["status"], result["error_type"])
        wait_until(lambda: not set(busy) & set(server.containers()), 10, "its container to go")
        wait_until(lambda: not server.leftovers(), 10, "no container left but the serving pool's idle ones")


def test_after_sigkill_a_restart_fails_the_orphan_and_serves_again(
    database: str, tmp_path: Path, student: str, docker_client: object
) -> None:
    """The server waits at most 2 s, so the first answer is a 202 for a running execution."""
    server = RunningServer(tmp_path / "crash", database, request_wait_s=2).start()
    try:
        with httpx.Client(base_url=server.http_url, timeout=60) as http:
            sleeper = body(SLEEPER, student, tests=[{"input": "", "expected_output": ""}])
            response = http.post("/v1/executions", json=sleeper)
            assert 202 == response.status_code, response.text
            assert "running" == response.json()["status"]
            location = response.headers["location"]
            wait_until(lambda: server.containers() or None, 30, "the sandbox container")
        # When the service dies without any clean-up
        server.kill()
        assert server.containers()  # the orphan is really there
        # And starts again under the same instance name
        server.start()
        with httpx.Client(base_url=server.http_url, timeout=120) as http:
            orphan = http.get(location).json()
            assert ("failed", "internal_error", False) == (orphan["status"], orphan["error_type"], orphan["completed"])
            assert [] == server.containers()
            fresh = http.post("/v1/executions", json=body(student_id=student))
            # Served again: the evaluation is taken and finishes; within the 2 s wait (200) on a
            # quiet machine, later (202, then the record) on a loaded one.
            assert fresh.status_code in (200, 202), fresh.text
            fresh_location = f"/v1/executions/{fresh.json()['id']}"

            def finished() -> dict[str, Any] | None:
                document: dict[str, Any] = http.get(fresh_location).json()
                return document if document["status"] in TERMINAL else None

            assert "accepted" == wait_until(finished, 120, "the fresh execution", interval_s=0.25)["verdict"]
    finally:
        if server.process is not None and server.process.poll() is None:
            server.stop()
    assert [] == server.containers()


def test_sigterm_cancels_unfinished_work_and_exits_cleanly(
    database: str, tmp_path: Path, student: str, docker_client: object
) -> None:
    server = RunningServer(tmp_path / "term", database).start()
    with httpx.Client(base_url=server.http_url, timeout=60) as http:
        sleeper = body(SLEEPER, student, tests=[{"input": "", "expected_output": ""}])
        response = http.post("/v1/executions", params={"wait": "false"}, json=sleeper)
        assert 202 == response.status_code, response.text
        location = response.headers["location"]
        wait_until(lambda: server.containers() or None, 30, "the sandbox container")
    # When the service is asked to stop
    started = time.monotonic()
    assert 0 == server.stop(), server.log_tail()
    print(f"SIGTERM to exit: {time.monotonic() - started:.1f} s")
    # Then nothing is left running, and the record says why it never finished
    assert [] == server.containers()
    server.start()
    try:
        with httpx.Client(base_url=server.http_url, timeout=60) as http:
            record = http.get(location).json()
        assert ("cancelled", "cancelled") == (record["status"], record["error_type"])
    finally:
        server.stop()
