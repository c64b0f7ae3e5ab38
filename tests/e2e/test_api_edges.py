"""The edges of both APIs, end to end: what a careless or hostile client sends gets a clear 4xx.

One server per database (SQLite, PostgreSQL) with one slot and no waiting place, so an
overload is one request away, and a 2 s read timeout, so a stalled request is closed
quickly. Every answer asserted here is the same on both databases.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import httpx
import pytest
from running_server import DATABASES, RunningServer, database_url, wait_until

from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.entrypoints.grpc._generated import code_runner_pb2_grpc as pb_grpc

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

ADD = "int add(int a, int b) { return a + b; }"
SLEEPER = (
    "#include <chrono>\n#include <thread>\nint main() { std::this_thread::sleep_for(std::chrono::seconds(20)); }\n"
)
READ_TIMEOUT_S = 2
PROBLEM = "application/problem+json"
SERVICE = "/com.levelupjourney.coderunner.SolutionEvaluationService"


@pytest.fixture(scope="module", params=DATABASES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, docker_client: object
) -> Iterator[RunningServer]:
    database = database_url(request.param, tmp_path_factory.mktemp(f"db-{request.param}"))
    with RunningServer(
        tmp_path_factory.mktemp("edges-server"),
        database,
        slots=1,
        queue_limit=0,
        request_read_timeout_s=READ_TIMEOUT_S,
    ).serving() as running:
        yield running


@pytest.fixture
def channel(server: RunningServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.grpc_target) as opened:
        grpc.channel_ready_future(opened).result(timeout=10)
        yield opened


@pytest.fixture
def student() -> str:
    return f"student-{uuid.uuid4().hex[:12]}"


def body(student_id: str, **fields: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "challenge_id": "sum",
        "student_id": student_id,
        "code": ADD,
        "tests": [{"code_version_test_id": "t1", "input": "1, 2", "expected_output": "3"}],
    }
    document.update(fields)
    return document


def post_raw(http: httpx.Client, document: dict[str, Any], **params: str) -> httpx.Response:
    """JSON with \\u escapes (``json.dumps``' default), so lone surrogates travel as JSON allows."""
    content = json.dumps(document).encode()
    return http.post("/v1/executions", content=content, params=params, headers={"content-type": "application/json"})


def stored(http: httpx.Client, **filters: str) -> list[dict[str, Any]]:
    response = http.get("/v1/executions", params={**filters, "limit": 200})
    assert 200 == response.status_code, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def assert_problem(response: httpx.Response, status: int, error: str, field: str | None = None) -> dict[str, Any]:
    assert status == response.status_code, response.text
    assert PROBLEM == response.headers["content-type"]
    problem: dict[str, Any] = response.json()
    assert (error, field) == (problem["error"], problem.get("field"))
    return problem


# ---- item 4: text the database cannot hold ---------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "what"),
    [
        ({"challenge_id": "a\x00b"}, "challenge_id", "NUL"),
        ({"code_version_id": "v\x00"}, "code_version_id", "NUL"),
        ({"function_name": "add\x00"}, "function_name", "NUL"),
        (
            {"tests": [{"code_version_test_id": "t\x001", "input": "1, 2", "expected_output": "3"}]},
            "tests[0].code_version_test_id",
            "NUL",
        ),
        ({"code": ADD + "\x00"}, "code", "NUL"),
        ({"tests": [{"code_version_test_id": "t1", "input": "\x00", "expected_output": ""}]}, "tests[0].input", "NUL"),
        ({"code": ADD + "// \ud800"}, "code", "surrogate"),
        ({"challenge_id": "\udfff"}, "challenge_id", "surrogate"),
        (
            {"tests": [{"code_version_test_id": "t1", "input": "1, 2", "expected_output": "\ud83d"}]},
            "tests[0].expected_output",
            "surrogate",
        ),
    ],
)
def test_text_no_database_can_hold_is_422_naming_the_field(
    http: httpx.Client, student: str, change: dict[str, Any], field: str, what: str
) -> None:
    response = post_raw(http, body(student, **change))
    problem = assert_problem(response, 422, "invalid_submission", field)
    assert what in problem["detail"]
    assert [] == stored(http, student_id=student)


def test_a_nul_in_the_student_id_is_422_and_nothing_is_stored(http: httpx.Client) -> None:
    challenge = f"challenge-{uuid.uuid4().hex[:8]}"
    response = post_raw(http, body("s\x001", challenge_id=challenge))
    assert_problem(response, 422, "invalid_submission", "student_id")
    assert [] == stored(http, challenge_id=challenge)


@pytest.mark.parametrize("execution_id", ["abc%00def", "x" * 5000, "%ED%A0%80"])
def test_an_id_no_execution_can_have_is_404_without_echoing_it(http: httpx.Client, execution_id: str) -> None:
    problem = assert_problem(http.get(f"/v1/executions/{execution_id}"), 404, "not_found")
    assert len(problem["detail"]) < 200


def test_list_filters_refuse_text_no_database_can_hold(http: httpx.Client) -> None:
    assert_problem(http.get("/v1/executions?student_id=a%00b"), 422, "invalid_submission", "student_id")
    too_long = http.get("/v1/executions", params={"challenge_id": "c" * 201})
    assert_problem(too_long, 422, "invalid_submission", "challenge_id")


# ---- item 5: paging ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("offset=9223372036854775808", "offset"),
        ("offset=-1", "offset"),
        ("offset=1e3", "offset"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("status=lost", "status"),
        ("wait=perhaps", "wait"),
    ],
)
def test_every_query_parameter_is_bounded(http: httpx.Client, student: str, query: str, field: str) -> None:
    if field == "wait":
        response = http.post(f"/v1/executions?{query}", json=body(student))
    else:
        response = http.get(f"/v1/executions?{query}")
    assert_problem(response, 422, "invalid_submission", field)
    assert [] == stored(http, student_id=student)


def test_the_readme_list_example_with_empty_parameters_lists_by_the_defaults(http: httpx.Client) -> None:
    response = http.get("/v1/executions?student_id=&challenge_id=&status=&limit=&offset=")
    assert 200 == response.status_code, response.text
    assert (50, 0) == (response.json()["limit"], response.json()["offset"])


# ---- item 6: stalled requests -------------------------------------------------------------


def raw_connection(server: RunningServer, data: bytes) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", server.http_port))
    connection.settimeout(30)
    connection.sendall(data)
    return connection


def read_all(connection: socket.socket) -> bytes:
    """Everything until the server closes the connection."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def test_a_body_that_stops_arriving_is_408_and_the_connection_closed(server: RunningServer) -> None:
    head = b"POST /v1/executions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    with raw_connection(server, head + b'{"code": "int') as connection:
        answer = read_all(connection)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b'"error":"request_timeout"' in answer


def test_a_request_head_that_stops_arriving_is_closed(server: RunningServer) -> None:
    with raw_connection(server, b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ") as connection:
        assert b"" == read_all(connection)


# ---- item 7: the body limit ---------------------------------------------------------------


def test_a_body_over_the_limit_is_always_answered_413(http: httpx.Client) -> None:
    """Sent whole with its Content-Length, again and again: never a reset instead of the answer."""
    oversized = b'{"code": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    for _ in range(20):
        response = http.post("/v1/executions", content=oversized, headers={"content-type": "application/json"})
        assert_problem(response, 413, "request_too_large")


def test_a_streamed_body_over_the_limit_is_413(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(6):
            yield b"x" * (1024 * 1024)

    response = http.post("/v1/executions", content=chunks(), headers={"content-type": "application/json"})
    assert_problem(response, 413, "request_too_large")


# ---- item 8: protocol details -------------------------------------------------------------


def test_a_wrong_method_is_405_with_allow(http: httpx.Client) -> None:
    response = http.delete("/v1/executions")
    assert_problem(response, 405, "method_not_allowed")
    assert {"GET", "POST"} <= {method.strip() for method in response.headers["allow"].split(",")}


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"code": "\xff\xfe", "tests": []}', "UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"code": ', "not valid JSON"),
    ],
    ids=["invalid-utf8", "deep", "truncated"],
)
def test_a_body_that_is_not_json_is_400_malformed_request(http: httpx.Client, content: bytes, says: str) -> None:
    response = http.post("/v1/executions", content=content, headers={"content-type": "application/json"})
    assert says in assert_problem(response, 400, "malformed_request")["detail"]


@pytest.mark.parametrize(
    ("headers", "says"),
    [({"content-type": "text/plain"}, "'text/plain'"), ({}, "no Content-Type")],
    ids=["wrong", "missing"],
)
def test_a_body_not_sent_as_json_is_415_naming_the_content_type(
    http: httpx.Client, student: str, headers: dict[str, str], says: str
) -> None:
    response = http.post("/v1/executions", content=json.dumps(body(student)).encode(), headers=headers)
    detail = assert_problem(response, 415, "unsupported_media_type")["detail"]
    assert "application/json" in detail
    assert says in detail
    assert [] == stored(http, student_id=student)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"limits": {"timeout": 5}}, "limits.timeout"),
        ({"compiler_options": "-O3"}, "compiler_options"),
        ({"command_line_arguments": ["a"]}, "command_line_arguments"),
        ({"filename": "main.cpp"}, "filename"),
        ({"tests": [{"code_version_test_id": "t1", "input": "1, 2", "output": "3"}]}, "tests[0].output"),
    ],
)
def test_an_unknown_field_is_422_naming_it(
    http: httpx.Client, student: str, change: dict[str, Any], field: str
) -> None:
    problem = assert_problem(
        http.post("/v1/executions", json=body(student, **change)), 422, "invalid_submission", field
    )
    assert "unknown field" in problem["detail"]
    assert [] == stored(http, student_id=student)


def test_an_overload_says_when_to_retry_on_both_apis(
    server: RunningServer, http: httpx.Client, channel: grpc.Channel, student: str
) -> None:
    # Given the one slot taken by an evaluation whose client waits for it
    sleeper = body(student, code=SLEEPER, tests=[{"input": "", "expected_output": ""}])
    head = f"POST /v1/executions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {len(json.dumps(sleeper))}\r\n\r\n"  # noqa: E501
    with raw_connection(server, head.encode() + json.dumps(sleeper).encode()):
        wait_until(lambda: stored(http, student_id=student) or None, 30, "the evaluation to be recorded")
        # When another request comes, on REST and on gRPC
        response = http.post("/v1/executions", json=body(student))
        stub = pb_grpc.SolutionEvaluationServiceStub(channel)  # type: ignore[no-untyped-call]
        with pytest.raises(grpc.RpcError) as caught:
            stub.EvaluateSolution(pb.ExecutionRequest(code=ADD, tests=[pb.TestCase(expected_output="1")]), timeout=30)
    # Then both say when to retry
    assert_problem(response, 429, "overloaded")
    assert 1 <= int(response.headers["retry-after"])
    assert grpc.StatusCode.RESOURCE_EXHAUSTED == caught.value.code()
    metadata = dict(caught.value.trailing_metadata())
    assert 1 <= int(metadata["retry-after"])
    assert 1000 <= int(metadata["grpc-retry-pushback-ms"])
    # And the evaluation of the client that left ends cancelled
    wait_until(lambda: stored(http, student_id=student, status="cancelled") or None, 30, "the sleeper to be cancelled")


def call_raw(channel: grpc.Channel, method: str, payload: bytes) -> grpc.RpcError:
    call = channel.unary_unary(f"{SERVICE}/{method}", request_serializer=None, response_deserializer=None)
    with pytest.raises(grpc.RpcError) as caught:
        call(payload, timeout=30)
    return caught.value


def with_invalid_utf8_code() -> bytes:
    valid = pb.ExecutionRequest(code="PLACEHOLDER", tests=[pb.TestCase(expected_output="1")]).SerializeToString()
    return valid.replace(b"PLACEHOLDER", b"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5")


@pytest.mark.parametrize(
    ("method", "payload"),
    [
        ("EvaluateSolution", b"\xff\xff\xff\xff garbage"),
        ("EvaluateSolution", with_invalid_utf8_code()),
        ("GetExecution", b"\x0a\x03\xff\xfe\xfd"),
    ],
    ids=["garbage", "invalid-utf8", "get-invalid-utf8"],
)
def test_grpc_bytes_that_are_not_the_message_are_invalid_argument(
    channel: grpc.Channel, method: str, payload: bytes
) -> None:
    error = call_raw(channel, method, payload)
    assert grpc.StatusCode.INVALID_ARGUMENT == error.code()
    assert "not a valid" in (error.details() or "")
    assert "Exception" not in (error.details() or "")


@pytest.mark.parametrize("execution_id", ["y" * 1_000_000, "abc\x00def"], ids=["huge", "nul"])
def test_grpc_an_id_no_execution_can_have_is_not_found_without_echoing_it(
    channel: grpc.Channel, execution_id: str
) -> None:
    stub = pb_grpc.SolutionEvaluationServiceStub(channel)  # type: ignore[no-untyped-call]
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetExecution(pb.GetExecutionRequest(execution_id=execution_id), timeout=30)
    assert grpc.StatusCode.NOT_FOUND == caught.value.code()
    assert len(caught.value.details() or "") < 200


def test_grpc_a_nul_in_an_id_is_invalid_argument_naming_the_field(channel: grpc.Channel, server: RunningServer) -> None:
    stub = pb_grpc.SolutionEvaluationServiceStub(channel)  # type: ignore[no-untyped-call]
    request = pb.ExecutionRequest(student_id="s\x00", code=ADD, tests=[pb.TestCase(input="1, 2", expected_output="3")])
    with pytest.raises(grpc.RpcError) as caught:
        stub.EvaluateSolution(request, timeout=30)
    assert grpc.StatusCode.INVALID_ARGUMENT == caught.value.code()
    assert ("coderunner-field", "student_id") in tuple(caught.value.trailing_metadata() or ())


# ---- item 9: the document and its docs ------------------------------------------------------


def test_the_openapi_document_describes_the_answers(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    post = document["paths"]["/v1/executions"]["post"]
    assert {"200", "202", "400", "401", "408", "413", "415", "422", "429", "500", "503"} == set(post["responses"])
    assert {PROBLEM} == set(post["responses"]["422"]["content"])
    schemas = document["components"]["schemas"]
    assert {"code", "tests"} <= set(schemas["ExecutionRequestIn"]["required"])
    assert schemas["ExecutionRequestIn"]["additionalProperties"] is False
    assert "cancelled" in schemas["ExecutionStatus"]["enum"]
    assert "accepted" in schemas["ExecutionSummaryOut"]["properties"]["verdict"]["enum"]
    assert "HTTPValidationError" not in schemas


def test_the_docs_load_their_assets_from_the_server(http: httpx.Client) -> None:
    page = http.get("/docs")
    assert 200 == page.status_code
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    assert "http" not in page.text  # nothing loads from another host
    script = http.get("/docs/assets/swagger-ui-bundle.js")
    assert 200 == script.status_code
    assert "javascript" in script.headers["content-type"]


# ---- item 10: what operators see --------------------------------------------------------------


def logged(server: RunningServer, **fields: object) -> dict[str, Any] | None:
    """The first JSON log line of the server with every one of ``fields``."""
    for line in server.log_path.read_text(errors="replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if all(event.get(key) == value for key, value in fields.items()):
            return dict(event)
    return None


def test_every_request_is_one_structured_log_line(server: RunningServer, http: httpx.Client, student: str) -> None:
    accepted = http.post("/v1/executions", params={"wait": "false"}, json=body(student))
    assert 202 == accepted.status_code, accepted.text
    execution_id = accepted.json()["id"]
    assert 200 == http.get(f"/v1/executions/{execution_id}").status_code
    assert 422 == http.get("/v1/executions", params={"limit": 0}).status_code

    created = wait_until(
        lambda: logged(server, event="http.request", method="POST", execution_id=execution_id), 10, "the POST line"
    )
    assert ("/v1/executions", 202, "info") == (created["route"], created["status"], created["level"])
    assert created["duration_ms"] >= 0
    read = wait_until(
        lambda: logged(server, event="http.request", method="GET", execution_id=execution_id), 10, "the GET line"
    )
    assert "/v1/executions/{execution_id}" == read["route"]
    refused = wait_until(lambda: logged(server, event="http.request", status=422), 10, "the 422 line")
    assert "warning" == refused["level"]


def test_every_grpc_call_is_one_structured_log_line(server: RunningServer, channel: grpc.Channel) -> None:
    missing = f"missing-{uuid.uuid4().hex}"
    stub = pb_grpc.SolutionEvaluationServiceStub(channel)  # type: ignore[no-untyped-call]
    with pytest.raises(grpc.RpcError):
        stub.GetExecution(pb.GetExecutionRequest(execution_id=missing), timeout=30)
    line = wait_until(lambda: logged(server, event="grpc.request", execution_id=missing), 10, "the call's line")
    assert ("GetExecution", "NOT_FOUND", "warning") == (line["method"], line["code"], line["level"])
    assert line["duration_ms"] >= 0


def test_readiness_names_every_dependency_and_where_it_is(http: httpx.Client) -> None:
    checks = {check["name"]: check for check in http.get("/readyz").json()["checks"]}
    assert {"docker engine", "database"} <= set(checks)
    assert checks["docker engine"]["detail"].startswith("answers at ")
    assert checks["database"]["detail"].startswith("answers at ")
    assert "@" not in checks["database"]["detail"]  # no credentials
