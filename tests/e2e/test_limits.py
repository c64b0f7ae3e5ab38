"""Operator ceilings on per-request limits, end to end: shown by GET /v1/limits, enforced on
REST and gRPC alike (a real server whose CODERUNNER_MAX_* are set low)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import httpx
import pytest
from running_server import RunningServer, database_url

from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.entrypoints.grpc._generated import code_runner_pb2_grpc as pb_grpc

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

ADD = "int add(int a, int b) { return a + b; }"
MAXIMA = {"timeout_s": 5, "max_timeout_s": 10, "max_memory_mb": 512, "max_cpus": 1, "max_compile_timeout_s": 40}
# What each over-the-ceiling request names, and the message it gets.
TOO_MUCH = [
    ({"timeout_s": 300}, "limits.timeout_s", "must be at most 10 on this service, got 300"),
    ({"memory_mb": 8192}, "limits.memory_mb", "must be at most 512 on this service, got 8192"),
    ({"cpus": 16}, "limits.cpus", "must be at most 1 on this service, got 16"),
    ({"compile_timeout_s": 41}, "limits.compile_timeout_s", "must be at most 40 on this service, got 41"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, docker_client: object) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("limits-server")
    with RunningServer(folder, database_url("sqlite", folder), slots=1, **MAXIMA).serving() as running:
        yield running


@pytest.fixture
def stub(server: RunningServer) -> Iterator[Any]:
    with grpc.insecure_channel(server.grpc_target) as channel:
        yield pb_grpc.SolutionEvaluationServiceStub(channel)  # type: ignore[no-untyped-call]


def _body(student: str, limits: dict[str, Any]) -> dict[str, Any]:
    tests = [{"code_version_test_id": "t1", "input": "1, 2", "expected_output": "3"}]
    return {"code": ADD, "student_id": student, "tests": tests, "limits": limits}


def _stored(http: httpx.Client, student: str) -> int:
    return len(http.get("/v1/executions", params={"student_id": student}).json()["items"])


def test_the_limits_endpoint_shows_the_defaults_and_the_operators_maxima(http: httpx.Client) -> None:
    response = http.get("/v1/limits")

    assert 200 == response.status_code
    document = response.json()
    assert {"timeout_s": 10, "memory_mb": 512, "cpus": 1, "compile_timeout_s": 40} == {
        name: document["maxima"][name] for name in ("timeout_s", "memory_mb", "cpus", "compile_timeout_s")
    }
    cpp = document["defaults"]["cpp"]
    assert (5, 256, 0.5) == (cpp["timeout_s"], cpp["memory_mb"], cpp["cpus"])
    assert set(cpp) == set(document["maxima"])


@pytest.mark.parametrize(("limits", "field", "problem"), TOO_MUCH)
def test_rest_refuses_a_limit_above_the_ceiling_with_422_naming_field_and_maximum(
    http: httpx.Client, limits: dict[str, Any], field: str, problem: str
) -> None:
    student = f"student-{uuid.uuid4().hex[:12]}"

    response = http.post("/v1/executions", json=_body(student, limits))

    assert 422 == response.status_code, response.text
    document = response.json()
    assert ("invalid_submission", field) == (document["error"], document["field"])
    assert problem in document["detail"]
    assert 0 == _stored(http, student)


@pytest.mark.parametrize(("limits", "field", "problem"), TOO_MUCH)
def test_grpc_refuses_a_limit_above_the_ceiling_with_invalid_argument(
    http: httpx.Client, stub: Any, limits: dict[str, Any], field: str, problem: str
) -> None:
    student = f"student-{uuid.uuid4().hex[:12]}"
    request = pb.ExecutionRequest(
        code=ADD,
        student_id=student,
        tests=[pb.TestCase(code_version_test_id="t1", input="1, 2", expected_output="3")],
        limits=pb.Limits(**limits),
    )

    with pytest.raises(grpc.RpcError) as caught:
        stub.EvaluateSolution(request, timeout=30)

    error: Any = caught.value
    assert grpc.StatusCode.INVALID_ARGUMENT == error.code()
    assert f"{field}: {problem}" == error.details()
    assert 0 == _stored(http, student)


def test_a_request_at_the_ceiling_is_graded(http: httpx.Client) -> None:
    response = http.post("/v1/executions", json=_body("at-ceiling", {"timeout_s": 10, "memory_mb": 512, "cpus": 1}))

    assert 200 == response.status_code, response.text
    assert ("accepted", {"timeout_s": 10, "memory_mb": 512, "cpus": 1}) == (
        response.json()["verdict"],
        {name: response.json()["limits"][name] for name in ("timeout_s", "memory_mb", "cpus")},
    )
