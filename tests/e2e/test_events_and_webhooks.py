"""Execution events and webhooks from a real server after real executions.

Events are read back from a real Redis stream and a local HTTP endpoint; webhooks reach a
local receiver, signed so that the Standard Webhooks library verifies them, retried with
backoff, never redirected, and never sent where the operator's allow-list does not reach.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
import redis
from http_receiver import HttpReceiver
from running_server import RunningServer, database_url, wait_until
from standardwebhooks.webhooks import Webhook

from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.entrypoints.grpc._generated import code_runner_pb2_grpc as pb_grpc

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()
FIRST_RETRY_S = 0.5
ADD = "int add(int a, int b) { return a + b; }"


def body(student: str, code: str = ADD, **fields: Any) -> dict[str, Any]:
    return {
        "challenge_id": "sum",
        "code_version_id": "v1",
        "student_id": student,
        "code": code,
        "tests": [
            {"code_version_test_id": "t1", "input": "1, 2", "expected_output": "3"},
            {"code_version_test_id": "t2", "input": "2, 2", "expected_output": "5"},
        ],
        **fields,
    }


@pytest.fixture(scope="module")
def stream(redis_url: str) -> Iterator[str]:
    name = f"test.analytics.{uuid.uuid4().hex[:10]}"
    yield name
    redis.Redis.from_url(redis_url).delete(name)


@pytest.fixture(scope="module")
def events_endpoint() -> Iterator[HttpReceiver]:
    running = HttpReceiver().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    docker_client: object,
    redis_url: str,
    stream: str,
    events_endpoint: HttpReceiver,
) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("events-server")
    running = RunningServer(
        folder,
        database_url("sqlite", folder),
        events_redis_url=redis_url,
        events_stream=stream,
        events_http_url=f"{events_endpoint.url}/events",
        webhook_secret=SECRET,
        webhook_allowed="127.0.0.1/32",
        delivery_first_retry_s=FIRST_RETRY_S,
        delivery_max_retry_s=2,
    ).start()
    yield running
    assert 0 == running.stop(), running.log_tail()


@pytest.fixture
def student() -> str:
    return f"student-{uuid.uuid4().hex[:12]}"


def stream_events(redis_url: str, stream: str, execution_id: str) -> list[dict[str, Any]]:
    entries = redis.Redis.from_url(redis_url, decode_responses=True).xrange(stream)
    return [json.loads(fields["event"]) for _, fields in entries if fields["execution_id"] == execution_id]


def graded(server: RunningServer, document: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(f"{server.http_url}/v1/executions", json=document, timeout=180)
    assert 200 == answer.status_code, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_every_execution_is_published_to_the_redis_stream_and_the_http_endpoint(
    server: RunningServer, redis_url: str, stream: str, events_endpoint: HttpReceiver, student: str
) -> None:
    # Given a wrong answer and a compilation error, graded for real
    wrong = graded(server, body(student))
    broken = graded(server, body(student, "int add(int a, int b) { return a + }"))

    for execution in (wrong, broken):
        # Then each is one stream entry, keyed by its id, whose figures are the record's
        (event,) = wait_until(
            lambda e=execution: stream_events(redis_url, stream, e["id"]) or None, 60, "the stream entry"
        )
        assert (execution["student_id"], execution["status"], execution["passed_tests"]) == (
            event["student_id"],
            event["status"],
            event["passed_tests"],
        )
        assert (execution["execution_time_ms"], execution["error_type"]) == (
            event["execution_time_ms"],
            event["error_type"],
        )
        # and the same event reaches the HTTP endpoint
        posted = wait_until(
            lambda e=execution: (
                [r for r in events_endpoint.requests if json.loads(r.body)["execution_id"] == e["id"]] or None
            ),
            60,
            "the HTTP event",
        )
        assert [event] == [json.loads(r.body) for r in posted]

    (wrong_event,) = stream_events(redis_url, stream, wrong["id"])
    assert (True, ["t1"], 2) == (
        wrong_event["compilation_success"],
        [t["test_id"] for t in wrong_event["test_results"] if t["passed"]],
        wrong_event["total_tests"],
    )
    (broken_event,) = stream_events(redis_url, stream, broken["id"])
    assert (False, "compilation_error") == (broken_event["compilation_success"], broken_event["error_type"])
    assert "error" in broken_event["compilation_error"]


def test_the_webhook_posts_the_execution_as_get_shows_it_signed(server: RunningServer, student: str) -> None:
    receiver = HttpReceiver().start()
    try:
        execution = graded(server, body(student, callback_url=f"{receiver.url}/graded"))
        (request,) = receiver.wait_for(1)
    finally:
        receiver.stop()
    stored = httpx.get(f"{server.http_url}/v1/executions/{execution['id']}").json()
    assert stored == Webhook(SECRET).verify(request.body, request.headers)
    assert f"{receiver.url}/graded" == stored["callback_url"]


def test_a_failing_receiver_is_retried_with_exponential_backoff_under_one_delivery_id(
    server: RunningServer, student: str
) -> None:
    receiver = HttpReceiver(answers=[500, 503]).start()
    try:
        graded(server, body(student, callback_url=f"{receiver.url}/graded"))
        attempts = receiver.wait_for(3)
    finally:
        receiver.stop()
    assert 1 == len({a.headers["webhook-id"] for a in attempts})
    # Lower bounds only: a retry is never sent before its backoff (first, then twice that).
    assert attempts[1].at - attempts[0].at >= FIRST_RETRY_S * 0.9
    assert attempts[2].at - attempts[1].at >= 2 * FIRST_RETRY_S * 0.9
    for attempt in attempts:
        Webhook(SECRET).verify(attempt.body, attempt.headers)  # each attempt is signed anew


def test_a_redirect_is_never_followed(server: RunningServer, student: str) -> None:
    target = HttpReceiver().start()
    redirecting = HttpReceiver(answers=[302], redirect_to=f"{target.url}/elsewhere").start()
    try:
        execution = graded(server, body(student, callback_url=f"{redirecting.url}/graded"))
        redirecting.wait_for(1)
        # The delivery is abandoned at once: the server logs it, and nothing else arrives.
        wait_until(lambda: abandoned(server, execution["id"]) or None, 30, "the abandoned delivery in the log")
    finally:
        redirecting.stop()
        target.stop()
    assert (1, []) == (len(redirecting.requests), target.requests)
    assert "redirects are never followed" in abandoned(server, execution["id"])


def abandoned(server: RunningServer, execution_id: str) -> str:
    """The log line of ``execution_id``'s abandoned delivery, or ""."""
    lines = server.log_tail(1000).splitlines()
    return next((line for line in lines if "delivery.abandoned" in line and execution_id in line), "")


@pytest.mark.parametrize(
    ("callback_url", "problem"),
    [
        ("http://169.254.169.254/latest/meta-data/", "not inside an allowed network"),
        ("http://10.0.0.1/hook", "not inside an allowed network"),
        ("http://hooks.example.com/hook", "not in the allow-list"),
        ("file:///etc/passwd", "must be an http:// or https:// URL"),
        ("https://user:pw@127.0.0.1/hook", "credentials"),
    ],
)
def test_a_callback_url_the_service_would_not_call_is_422_naming_the_field(
    server: RunningServer, student: str, callback_url: str, problem: str
) -> None:
    answer = httpx.post(f"{server.http_url}/v1/executions", json=body(student, callback_url=callback_url))
    assert (422, "callback_url") == (answer.status_code, answer.json()["field"]), answer.text
    assert problem in answer.json()["detail"]


def test_grpc_takes_callback_url_and_refuses_a_bad_one_as_invalid_argument(server: RunningServer, student: str) -> None:
    receiver = HttpReceiver().start()
    with grpc.insecure_channel(server.grpc_target) as channel:
        stub = pb_grpc.SolutionEvaluationServiceStub(channel)
        request = pb.ExecutionRequest(
            code=ADD,
            student_id=student,
            tests=[pb.TestCase(code_version_test_id="t1", input="1, 2", expected_output="3")],
            callback_url=f"{receiver.url}/grpc",
        )
        try:
            reply = stub.EvaluateSolution(request, timeout=180)
            (hook,) = receiver.wait_for(1)
        finally:
            receiver.stop()
        assert reply.execution_id == Webhook(SECRET).verify(hook.body, hook.headers)["id"]

        request.callback_url = "http://127.0.0.2/hook"
        with pytest.raises(grpc.RpcError) as refused:
            stub.EvaluateSolution(request, timeout=60)
    assert grpc.StatusCode.INVALID_ARGUMENT == refused.value.code()
    assert ("coderunner-field", "callback_url") in tuple(refused.value.trailing_metadata() or ())


def test_webhooks_are_off_without_a_secret(tmp_path: Path, docker_client: object, student: str) -> None:
    server = RunningServer(tmp_path, database_url("sqlite", tmp_path)).start()
    try:
        answer = httpx.post(
            f"{server.http_url}/v1/executions", json=body(student, callback_url="https://hooks.example.com/x")
        )
    finally:
        server.stop()
    assert (422, "callback_url") == (answer.status_code, answer.json()["field"])
    assert "CODERUNNER_WEBHOOK_SECRET" in answer.json()["detail"]
