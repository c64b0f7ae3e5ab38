"""API keys, end to end: a real server with CODERUNNER_REQUIRE_API_KEYS=true, keys made and
revoked with the real `coderunner keys` command, on SQLite and on PostgreSQL.

A wrong, missing or revoked key is 401 / UNAUTHENTICATED; another key's execution is 404 /
NOT_FOUND and absent from lists; a key over its own quota is 429 / RESOURCE_EXHAUSTED with
Retry-After; probes stay open. The server's log names the key beside the execution and
never holds the submitted code, its input, or a key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from running_server import DATABASES, RunningServer, database_url, wait_until

from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.entrypoints.grpc._generated import code_runner_pb2_grpc as pb_grpc

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

CODERUNNER = str(Path(sys.executable).with_name("coderunner"))
ADD = "int add(int a, int b) { return a + b; }"
TESTS = [{"code_version_test_id": "t1", "input": "1, 2", "expected_output": "3"}]
NAPPER = "import time\ntime.sleep(4)\nprint('ok')\n"  # a whole Python program that takes a while
TERMINAL = {"completed", "failed", "timed_out", "cancelled"}


@pytest.fixture(scope="module", params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    return database_url(request.param, tmp_path_factory.mktemp(f"keys-{request.param}"))


@pytest.fixture(scope="module")
def server(database: str, tmp_path_factory: pytest.TempPathFactory, docker_client: object) -> Iterator[RunningServer]:
    running = RunningServer(tmp_path_factory.mktemp("keys-server"), database, slots=2, require_api_keys="true")
    with running.serving():
        yield running


def keys_cli(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CODERUNNER, "keys", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CODERUNNER_DATABASE_URL": database, "CODERUNNER_LOG_FORMAT": "json"},
    )


def new_key(database: str, *options: str) -> dict[str, Any]:
    """A key made by `coderunner keys create --json` (its secret under "key")."""
    result = keys_cli(database, "create", f"test-{uuid.uuid4().hex[:8]}", *options, "--json")
    assert 0 == result.returncode, result.stderr
    made: dict[str, Any] = json.loads(result.stdout)
    return made


def bearer(key: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {key['key']}"}


def submit(http: httpx.Client, key: dict[str, Any], *, wait: bool = True) -> httpx.Response:
    params = {} if wait else {"wait": "false"}
    return http.post("/v1/executions", json={"code": ADD, "tests": TESTS}, params=params, headers=bearer(key))


def test_without_a_key_every_api_route_is_401_naming_the_header(server: RunningServer, http: httpx.Client) -> None:
    paths = [p for p, methods in http.get("/openapi.json").json()["paths"].items() if p.startswith("/v1/")]
    assert {"/v1/executions", "/v1/executions/{execution_id}", "/v1/languages", "/v1/limits"} <= set(paths)

    for path in paths:
        response = http.get(path.replace("{execution_id}", str(uuid.uuid4())))
        assert 401 == response.status_code, path
        assert "unauthenticated" == response.json()["error"]
        assert "Authorization: Bearer" in response.json()["detail"]
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert 401 == http.post("/v1/executions", json={"code": ADD, "tests": TESTS}).status_code


def test_a_wrong_or_malformed_key_is_401_without_echoing_it(http: httpx.Client) -> None:
    for header, secret in (
        ("Bearer crk_not-a-key", "crk_not-a-key"),
        ("Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("Bearer", None),
        ("crk_only-the-token", "crk_only-the-token"),
    ):
        response = http.get("/v1/executions", headers={"authorization": header})
        assert 401 == response.status_code, header
        assert secret is None or secret not in response.text


def test_probes_and_metrics_stay_open(http: httpx.Client) -> None:
    assert 200 == http.get("/healthz").status_code
    assert 200 == http.get("/readyz").status_code
    assert 200 == http.get("/metrics").status_code


def test_a_key_sees_only_its_own_executions(database: str, http: httpx.Client) -> None:
    mine, theirs = new_key(database), new_key(database)
    created = submit(http, mine)
    assert 200 == created.status_code, created.text
    execution_id = created.json()["id"]

    assert 200 == http.get(f"/v1/executions/{execution_id}", headers=bearer(mine)).status_code
    other = http.get(f"/v1/executions/{execution_id}", headers=bearer(theirs))
    assert 404 == other.status_code
    assert "not_found" == other.json()["error"]
    assert [execution_id] == [e["id"] for e in http.get("/v1/executions", headers=bearer(mine)).json()["items"]]
    assert [] == http.get("/v1/executions", headers=bearer(theirs)).json()["items"]


def test_a_revoked_key_is_refused_at_once(database: str, http: httpx.Client) -> None:
    key = new_key(database)
    assert 200 == http.get("/v1/languages", headers=bearer(key)).status_code

    revoked = keys_cli(database, "revoke", key["id"])
    assert 0 == revoked.returncode, revoked.stderr

    assert 401 == http.get("/v1/languages", headers=bearer(key)).status_code
    listed = json.loads(keys_cli(database, "list", "--json").stdout)
    assert [key["id"]] == [k["id"] for k in listed if k["id"] == key["id"] and k["revoked_at"]]
    assert key["key"] not in keys_cli(database, "list").stdout


def test_revoking_an_unknown_key_exits_2(database: str) -> None:
    result = keys_cli(database, "revoke", "key_0000000000000000")
    assert 2 == result.returncode
    assert "no API key matches" in result.stderr


def test_a_key_over_its_rate_is_429_with_retry_after(database: str, http: httpx.Client) -> None:
    key = new_key(database, "--rate-per-minute", "2")
    assert [202, 202] == [submit(http, key, wait=False).status_code for _ in range(2)]

    refused = submit(http, key, wait=False)

    assert 429 == refused.status_code
    assert "quota_exceeded" == refused.json()["error"]
    assert "2 submissions per minute" in refused.json()["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 30
    other = new_key(database)
    assert 200 == submit(http, other).status_code  # another key is not affected


def test_a_key_over_its_concurrency_is_429_until_its_execution_ends(database: str, http: httpx.Client) -> None:
    key = new_key(database, "--max-concurrent", "1")
    first = http.post(
        "/v1/executions?wait=false",
        json={"language": "python", "code": NAPPER, "tests": [{"code_version_test_id": "t", "expected_output": "ok"}]},
        headers=bearer(key),
    )
    assert 202 == first.status_code, first.text

    refused = http.post("/v1/executions?wait=false", json={"code": ADD, "tests": TESTS}, headers=bearer(key))
    assert 429 == refused.status_code
    assert "max_concurrent 1" in refused.json()["detail"]
    assert refused.headers["retry-after"]

    location = first.headers["location"]
    wait_until(lambda: http.get(location, headers=bearer(key)).json()["status"] in TERMINAL, 120, "the first to end")
    assert "accepted" == http.get(location, headers=bearer(key)).json()["verdict"]
    assert 200 == http.post("/v1/executions", json={"code": ADD, "tests": TESTS}, headers=bearer(key)).status_code


def test_grpc_needs_the_key_in_metadata(database: str, server: RunningServer) -> None:
    key, other = new_key(database), new_key(database, "--rate-per-minute", "1")
    request = pb.ExecutionRequest(
        code=ADD, tests=[pb.TestCase(code_version_test_id="t1", input="1, 2", expected_output="3")]
    )
    with grpc.insecure_channel(server.grpc_target) as channel:
        stub = pb_grpc.SolutionEvaluationServiceStub(channel)  # type: ignore[no-untyped-call]
        with pytest.raises(grpc.RpcError) as missing:
            stub.EvaluateSolution(request, timeout=60)
        assert grpc.StatusCode.UNAUTHENTICATED == missing.value.code()
        assert "Authorization: Bearer" in str(missing.value.details())
        with pytest.raises(grpc.RpcError) as wrong:
            stub.ListLanguages(pb.ListLanguagesRequest(), metadata=(("authorization", "Bearer crk_wrong"),), timeout=10)
        assert grpc.StatusCode.UNAUTHENTICATED == wrong.value.code()

        reply = stub.EvaluateSolution(request, metadata=tuple(bearer(key).items()), timeout=120)
        assert reply.success
        with pytest.raises(grpc.RpcError) as hidden:
            stub.GetExecution(
                pb.GetExecutionRequest(execution_id=reply.execution_id),
                metadata=tuple(bearer(other).items()),
                timeout=10,
            )
        assert grpc.StatusCode.NOT_FOUND == hidden.value.code()
        found = stub.GetExecution(
            pb.GetExecutionRequest(execution_id=reply.execution_id), metadata=tuple(bearer(key).items()), timeout=10
        )
        assert reply.execution_id == found.execution_id

        assert stub.EvaluateSolution(request, metadata=tuple(bearer(other).items()), timeout=120).success
        with pytest.raises(grpc.RpcError) as over:
            stub.EvaluateSolution(request, metadata=tuple(bearer(other).items()), timeout=60)
        assert grpc.StatusCode.RESOURCE_EXHAUSTED == over.value.code()
        trailing = dict(over.value.trailing_metadata() or ())
        assert 1 <= int(trailing["retry-after"]) <= 60


def test_logs_name_the_key_and_never_hold_code_input_or_keys(database: str, server: RunningServer) -> None:
    """Every line about an execution submitted with a key names both; the code, the test
    input and the key itself appear nowhere, whatever the outcome."""
    key = new_key(database)
    marker = f"secret_{uuid.uuid4().hex}"
    program = f"s = input()\nprint('{marker}' + s)\n"
    broken = f"int {marker}(int a) {{ return a + ; }}"
    with httpx.Client(base_url=server.http_url, timeout=120) as http:
        ran = http.post(
            "/v1/executions",
            json={
                "language": "python",
                "code": program,
                "tests": [{"code_version_test_id": "t", "input": f"{marker}-stdin\n", "expected_output": "no"}],
            },
            headers=bearer(key),
        )
        assert "wrong_answer" == ran.json()["verdict"], ran.text
        failed = http.post("/v1/executions", json={"code": broken, "tests": TESTS}, headers=bearer(key))
        assert "compilation_error" == failed.json()["verdict"]
        http.get("/v1/executions", headers={"authorization": f"Bearer {key['key']}x"})  # a wrong key: 401

    log = server.log_path.read_text()
    assert marker not in log
    assert key["key"] not in log
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    for execution_id in (ran.json()["id"], failed.json()["id"]):
        about = [line for line in lines if line.get("execution_id") == execution_id]
        events = {line["event"] for line in about}
        assert {"http.request", "execution.finished"} <= events
        assert all(key["id"] == line.get("api_key_id") for line in about), about


def test_metrics_can_require_a_key(tmp_path: Path, docker_client: object) -> None:
    """CODERUNNER_METRICS_REQUIRE_KEY=true: /metrics takes any valid key; the probes stay open."""
    database = database_url("sqlite", tmp_path)
    server = RunningServer(tmp_path, database, require_api_keys="true", metrics_require_key="true").start()
    try:
        key = new_key(database)
        with httpx.Client(base_url=server.http_url, timeout=30) as http:
            assert 401 == http.get("/metrics").status_code
            assert 200 == http.get("/metrics", headers=bearer(key)).status_code
            assert 200 == http.get("/healthz").status_code
    finally:
        assert 0 == server.stop(), server.log_tail()


def test_a_limit_out_of_range_is_refused_naming_it(database: str) -> None:
    result = keys_cli(database, "create", "too-fast", "--rate-per-minute", "0")
    assert 2 == result.returncode
    assert "rate_per_minute: must be between 1 and" in result.stderr
    assert "" == result.stdout
