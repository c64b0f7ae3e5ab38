"""The gRPC API, end to end, with a client generated from our proto: what the original clients send works."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from running_server import DATABASES, RunningServer, database_url, wait_until

from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.entrypoints.grpc._generated import code_runner_pb2_grpc as pb_grpc

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

SERVICE = "com.levelupjourney.coderunner.SolutionEvaluationService"
HELLO = '#include <iostream>\nint main() { std::cout << "Hello World"; }'
ADD = "int add(int a, int b) { return a + b; }"
SLEEPER = (
    "#include <chrono>\n#include <thread>\nint main() { std::this_thread::sleep_for(std::chrono::seconds(20)); }\n"
)


@pytest.fixture(scope="module", params=DATABASES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, docker_client: object
) -> Iterator[RunningServer]:
    database = database_url(request.param, tmp_path_factory.mktemp(f"db-{request.param}"))
    with RunningServer(tmp_path_factory.mktemp("grpc-server"), database, slots=2, queue_limit=4).serving() as running:
        yield running


@pytest.fixture(scope="module")
def channel(server: RunningServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.grpc_target) as opened:
        grpc.channel_ready_future(opened).result(timeout=10)
        yield opened


@pytest.fixture
def stub(channel: grpc.Channel) -> Any:
    return pb_grpc.SolutionEvaluationServiceStub(channel)  # type: ignore[no-untyped-call]


@pytest.fixture
def student() -> str:
    return f"student-{uuid.uuid4().hex[:12]}"


def request(code: str = ADD, student_id: str = "s", **fields: Any) -> pb.ExecutionRequest:
    arguments: dict[str, Any] = {
        "challenge_id": "sum",
        "code_version_id": "v1",
        "student_id": student_id,
        "code": code,
        "tests": [
            pb.TestCase(code_version_test_id="t1", input="1, 2", expected_output="3"),
            pb.TestCase(code_version_test_id="t2", input="2, 2", expected_output="4"),
        ],
        "language": "cpp",
    }
    arguments.update(fields)
    return pb.ExecutionRequest(**arguments)


def stored_count(server: RunningServer, student_id: str) -> int:
    response = httpx.get(f"{server.http_url}/v1/executions", params={"student_id": student_id, "limit": 200})
    return len(response.json()["items"])


def test_the_original_clients_smoke_test_passes(stub: Any) -> None:
    """A whole program, one test with empty input, expected stdout `Hello World`; language left empty."""
    hello = pb.ExecutionRequest(
        challenge_id="smoke",
        code_version_id="smoke-v1",
        student_id="smoke-student",
        code=HELLO,
        tests=[pb.TestCase(code_version_test_id="hello", input="", expected_output="Hello World")],
    )
    started = time.monotonic()
    response = stub.EvaluateSolution(hello, timeout=120)
    elapsed = time.monotonic() - started
    print(f"smoke test answered in {elapsed * 1000:.0f} ms (server: {response.execution_time_ms} ms)")
    assert (True, True, ["hello"], 1, 1, 0, "", "") == (
        response.success,
        response.completed,
        list(response.approved_tests),
        response.total_tests,
        response.passed_tests,
        response.failed_tests,
        response.error_type,
        response.error_message,
    )
    assert "accepted" == response.verdict
    assert response.execution_id


def test_list_languages_names_each_language_with_its_exact_runtime_version(stub: Any) -> None:
    languages = {language.name: language for language in stub.ListLanguages(pb.ListLanguagesRequest()).languages}
    cpp = languages["cpp"]
    assert cpp.runtime_version.startswith("g++ 14.")
    assert (["function", "program"], 256) == (list(cpp.modes), cpp.default_limits.memory_mb)
    response = stub.EvaluateSolution(request(), timeout=120)
    details = stub.GetExecution(pb.GetExecutionRequest(execution_id=response.execution_id), timeout=10)
    assert "cpp" == details.language


def test_the_mode_field_is_honoured(stub: Any) -> None:
    """Field 10: program mode on a bare function is a template error; an old client never sets it."""
    response = stub.EvaluateSolution(request(mode="program"), timeout=120)
    assert ("template_error", False) == (response.error_type, response.success)
    with pytest.raises(grpc.RpcError) as caught:
        stub.EvaluateSolution(request(mode="script"), timeout=120)
    assert grpc.StatusCode.INVALID_ARGUMENT == caught.value.code()


def test_a_function_is_graded_and_stored(stub: Any) -> None:
    response = stub.EvaluateSolution(request(), timeout=120)
    assert (True, ["t1", "t2"]) == (response.success, list(response.approved_tests))
    assert ["passed", "passed"] == [t.status for t in response.test_results]
    details = stub.GetExecution(pb.GetExecutionRequest(execution_id=response.execution_id), timeout=10)
    assert ("completed", "sum", "cpp") == (details.status, details.challenge_id, details.language)
    assert details.finished_at.endswith("Z")
    assert list(response.approved_tests) == list(details.result.approved_tests)


def test_a_wrong_answer_is_completed_not_successful(stub: Any) -> None:
    response = stub.EvaluateSolution(request("int add(int a, int b) { return a * b; }"), timeout=120)
    # 1*2 != 3 fails, 2*2 == 4 passes
    assert (True, False, ["t2"], 1, 1, "") == (
        response.completed,
        response.success,
        list(response.approved_tests),
        response.passed_tests,
        response.failed_tests,
        response.error_type,
    )
    failed = response.test_results[0]
    assert ("t1", False) == (failed.code_version_test_id, failed.passed)


def test_tolerances_travel_as_optional_fields(stub: Any) -> None:
    """relative=0 is a value (exact up to the absolute part), not "unset"; a test's own tolerance wins."""
    code = "double third(double x) { return x / 3; }"
    message = request(
        code,
        tests=[
            pb.TestCase(code_version_test_id="close", input="1", expected_output="0.3333333"),
            pb.TestCase(code_version_test_id="rounded", input="1", expected_output="0.33"),
            pb.TestCase(
                code_version_test_id="allowed", input="1", expected_output="0.33", tolerance=pb.Tolerance(absolute=0.01)
            ),
        ],
        tolerance=pb.Tolerance(relative=0.0),
    )
    response = stub.EvaluateSolution(message, timeout=120)
    assert ["close", "allowed"] == list(response.approved_tests)
    assert ("0.3333333333333333", "0.33") == (response.test_results[1].actual, response.test_results[1].expected)


def test_a_compile_error_is_reported_as_compilation_error(stub: Any) -> None:
    response = stub.EvaluateSolution(request("int add(int a, int b) { return a + ; }"), timeout=120)
    assert (True, False, "compilation_error", 0, 2) == (
        response.completed,
        response.success,
        response.error_type,
        response.passed_tests,
        response.failed_tests,
    )
    assert response.error_message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": ""}, "code"),
        ({"tests": []}, "tests"),
        (
            {"tests": [pb.TestCase(code_version_test_id="a"), pb.TestCase(code_version_test_id="a")]},
            "tests[1].code_version_test_id",
        ),
        ({"language": "cobol"}, "language"),
        ({"limits": pb.Limits(timeout_s=1e6)}, "limits.timeout_s"),
        ({"code": "int x;" + " " * 300_000}, "code"),
        ({"tolerance": pb.Tolerance(relative=float("nan"))}, "tolerance.relative"),
        (
            {"tests": [pb.TestCase(input="1, 2", expected_output="3", tolerance=pb.Tolerance(absolute=-1))]},
            "tests[0].tolerance.absolute",
        ),
    ],
)
def test_an_invalid_request_is_invalid_argument_naming_the_field(
    server: RunningServer, stub: Any, student: str, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.EvaluateSolution(request(student_id=student, **change), timeout=30)
    error: Any = caught.value
    assert grpc.StatusCode.INVALID_ARGUMENT == error.code()
    assert error.details().startswith(f"{field}:")
    assert (("coderunner-field", field),) == tuple(
        (k, v) for k, v in error.trailing_metadata() if k.startswith("coderunner")
    )
    assert 0 == stored_count(server, student)


def test_an_unknown_execution_is_not_found(stub: Any) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetExecution(pb.GetExecutionRequest(execution_id=str(uuid.uuid4())), timeout=10)
    assert grpc.StatusCode.NOT_FOUND == caught.value.code()


def test_health_is_serving(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", SERVICE):
        answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
        assert health_pb2.HealthCheckResponse.SERVING == answer.status


def test_reflection_lists_the_service(channel: grpc.Channel) -> None:
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    answers = reflection.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    names = {service.name for answer in answers for service in answer.list_services_response.service}
    assert {SERVICE, "grpc.health.v1.Health"} <= names


def test_a_cancelled_call_cancels_its_evaluation(server: RunningServer, stub: Any, student: str) -> None:
    # Given an evaluation that would sleep for 20 s
    sleeper = request(SLEEPER, student, tests=[pb.TestCase(code_version_test_id="t", input="", expected_output="")])
    call = stub.EvaluateSolution.future(sleeper, timeout=120)
    busy = wait_until(lambda: server.busy_containers() or None, 30, "its sandbox container")
    # When the client cancels the call
    assert call.cancel()
    # Then the record ends cancelled and the container is gone

    def record() -> dict[str, Any] | None:
        items = httpx.get(f"{server.http_url}/v1/executions", params={"student_id": student}).json()["items"]
        return items[0] if items and items[0]["status"] not in ("pending", "running") else None

    assert "cancelled" == wait_until(record, 15, "the record to end")["status"]
    wait_until(lambda: not set(busy) & set(server.containers()), 10, "its container to go")
    wait_until(lambda: not server.leftovers(), 10, "no container left but the serving pool's idle ones")
