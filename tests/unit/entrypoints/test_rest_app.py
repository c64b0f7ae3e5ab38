"""The REST handlers' behaviour, with the real pipeline, scheduler and store, and a scripted sandbox.

The sandbox runs nothing: it waits until the test releases it, so every timing case
(answer in time, wait bound passed, client gone, overload) is deterministic. The store
is the real SQL store on an in-memory SQLite database.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from scripted import PassingLanguage, ScriptedSandbox
from starlette.types import Message

from coderunner.bootstrap import Services, build_dispatcher
from coderunner.entrypoints.rest.app import create_app
from coderunner.entrypoints.rest.schemas import webhook_body
from coderunner.errors import InvalidSubmission, SandboxUnavailable
from coderunner.languages.plugin import Language
from coderunner.languages.registry import available_languages, get_language
from coderunner.metrics.prometheus import PrometheusMetrics
from coderunner.sandbox.images import ImageState
from coderunner.service.access import Access
from coderunner.service.keys import ApiKeys
from coderunner.service.pipeline import Pipeline
from coderunner.service.scheduler import Scheduler
from coderunner.settings import Settings
from coderunner.store.database import create_engine_for, migrate
from coderunner.store.key_store import SqlApiKeyStore
from coderunner.store.sql_store import SqlExecutionStore

BODY = {
    "student_id": "s-1",
    "code": "int add(int a, int b) { return a + b; }",
    "tests": [
        {"code_version_test_id": "t1", "input": "1, 2", "expected_output": "3"},
        {"code_version_test_id": "t2", "input": "2, 2", "expected_output": "4"},
    ],
}


class Images:
    """The image builder's ``state``, as the test sets it."""

    def __init__(self) -> None:
        self.current = True
        self.error: Exception | None = None

    def state(self, name: str) -> ImageState:
        if self.error is not None:
            raise self.error
        return ImageState(name, present=True, current=self.current, image_id="sha256:abc")


def languages(name: str) -> Language:
    if name != "cpp":
        raise InvalidSubmission("language", f"unknown language {name!r}")
    return PassingLanguage()


@pytest.fixture
def sandbox() -> ScriptedSandbox:
    return ScriptedSandbox()


MakeApp = Callable[..., FastAPI]


@pytest.fixture
def images() -> Images:
    return Images()


@pytest.fixture
def make_app(sandbox: ScriptedSandbox, images: Images) -> MakeApp:
    def make(**settings: Any) -> FastAPI:
        config = Settings(_env_file=None, database_url="sqlite://", instance_name="unit", **settings)  # type: ignore[call-arg]
        engine = create_engine_for("sqlite://")
        migrate(engine)
        store = SqlExecutionStore(engine)
        metrics = PrometheusMetrics()
        pipeline = Pipeline(store, sandbox, languages, server_instance="unit", metrics=metrics)
        scheduler = Scheduler(pipeline, slots=config.slots, queue_limit=config.queue_limit, metrics=metrics)
        dispatcher = build_dispatcher(config, engine, store, webhook_body)
        access = Access(ApiKeys(SqlApiKeyStore(engine)), scheduler, required=config.require_api_keys)
        services = Services(config, images, sandbox, store, pipeline, scheduler, dispatcher, access, metrics)  # type: ignore[arg-type]
        return create_app(services, manage_services=False)

    return make


@pytest.fixture
async def client(make_app: MakeApp) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app()), base_url="http://t") as http:
        yield http


async def released_later(sandbox: ScriptedSandbox) -> None:
    await sandbox.started.wait()
    sandbox.release.set()


async def test_a_finished_evaluation_is_200_with_the_result(
    client: httpx.AsyncClient, sandbox: ScriptedSandbox
) -> None:
    sandbox.release.set()
    response = await client.post("/v1/executions", json=BODY)
    assert 200 == response.status_code, response.text
    assert ("accepted", ["t1", "t2"]) == (response.json()["verdict"], response.json()["approved_test_ids"])


async def test_without_waiting_the_answer_is_202_with_a_location(
    client: httpx.AsyncClient, sandbox: ScriptedSandbox
) -> None:
    response = await client.post("/v1/executions", params={"wait": "false"}, json=BODY)
    assert 202 == response.status_code
    assert "pending" == response.json()["status"]
    location = response.headers["location"]
    assert f"/v1/executions/{response.json()['id']}" == location
    await released_later(sandbox)
    for _ in range(100):
        document = (await client.get(location)).json()
        if document["status"] == "completed":
            break
        await asyncio.sleep(0.01)
    assert "completed" == document["status"]


async def test_past_the_wait_bound_the_answer_is_202_while_it_runs(make_app: MakeApp, sandbox: ScriptedSandbox) -> None:
    app = make_app(request_wait_s=0.2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.post("/v1/executions", json=BODY)
        assert 202 == response.status_code
        assert "running" == response.json()["status"]
        assert 0 == sandbox.cancelled  # it goes on
        sandbox.release.set()


async def test_when_every_place_is_taken_the_answer_is_429_and_nothing_is_stored(
    make_app: MakeApp, sandbox: ScriptedSandbox
) -> None:
    app = make_app(slots=1, queue_limit=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        first = await http.post("/v1/executions", params={"wait": "false"}, json=BODY)
        assert 202 == first.status_code
        second = await http.post("/v1/executions", json={**BODY, "student_id": "s-2"})
        assert 429 == second.status_code
        assert "overloaded" == second.json()["error"]
        assert 1 <= int(second.headers["retry-after"])
        assert [] == (await http.get("/v1/executions", params={"student_id": "s-2"})).json()["items"]
        sandbox.release.set()


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"language": "cobol"}, 422, "language"),
        ({"tests": []}, 422, "tests"),
        ({"limits": {"cpus": 99}}, 422, "limits.cpus"),
        ({"tests": [{"code_version_test_id": 7}]}, 422, "tests[0].code_version_test_id"),
    ],
)
async def test_invalid_requests_name_the_field_and_store_nothing(
    client: httpx.AsyncClient, change: dict[str, Any], status: int, field: str
) -> None:
    response = await client.post("/v1/executions", json={**BODY, **change})
    assert (status, field) == (response.status_code, response.json().get("field")), response.text
    assert [] == (await client.get("/v1/executions")).json()["items"]


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/executions", content=b"{", headers={"content-type": "application/json"})
    assert (400, "malformed_request") == (response.status_code, response.json()["error"])


async def test_an_infrastructure_failure_is_503_and_recorded_failed(
    client: httpx.AsyncClient, sandbox: ScriptedSandbox
) -> None:
    sandbox.error = SandboxUnavailable("no engine")
    sandbox.release.set()
    response = await client.post("/v1/executions", json=BODY)
    assert 503 == response.status_code
    problem = response.json()
    assert ("unavailable", "no engine") == (problem["error"], problem["detail"])
    stored = (await client.get(f"/v1/executions/{problem['execution_id']}")).json()
    assert ("failed", "internal_error", False) == (stored["status"], stored["error_type"], stored["success"])


async def test_a_bug_is_a_bare_500(make_app: MakeApp, sandbox: ScriptedSandbox) -> None:
    sandbox.error = RuntimeError("secret internals")
    sandbox.release.set()
    # Starlette re-raises after answering, for the server to log; uvicorn does, the test transport need not.
    transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.post("/v1/executions", json=BODY)
    assert 500 == response.status_code
    assert "secret" not in response.text
    assert "Traceback" not in response.text


async def test_unknown_ids_and_statuses(client: httpx.AsyncClient) -> None:
    assert 404 == (await client.get("/v1/executions/nope")).status_code
    bad = await client.get("/v1/executions", params={"status": "lost"})
    assert (422, "status") == (bad.status_code, bad.json()["field"])


async def test_a_client_that_disconnects_cancels_the_evaluation(make_app: MakeApp, sandbox: ScriptedSandbox) -> None:
    """Driven at the ASGI level: the body arrives, then, once the sandbox runs, a disconnect."""
    app = make_app()
    payload = json.dumps(BODY).encode()
    messages: asyncio.Queue[Message] = asyncio.Queue()
    await messages.put({"type": "http.request", "body": payload, "more_body": False})
    sent: list[Message] = []

    async def receive() -> Message:
        return await messages.get()

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/executions",
        "raw_path": b"/v1/executions",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        "client": ("127.0.0.1", 5000),
        "server": ("t", 80),
    }
    request = asyncio.create_task(app(scope, receive, send))
    await asyncio.wait_for(sandbox.started.wait(), 5)
    await messages.put({"type": "http.disconnect"})
    await asyncio.wait_for(request, 5)

    assert 1 == sandbox.cancelled
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        items = (await http.get("/v1/executions")).json()["items"]
    assert [("cancelled", "cancelled")] == [(i["status"], i["error_type"]) for i in items]


async def test_ready_when_the_image_is_current_and_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert (200, True) == (response.status_code, response.json()["ready"])


EVERY_IMAGE = [f"image {get_language(name).image}" for name in available_languages()]


@pytest.mark.parametrize(
    ("break_it", "failed_checks", "detail"),
    [
        (lambda images: setattr(images, "current", False), EVERY_IMAGE, "older recipe"),
        (
            lambda images: setattr(images, "error", SandboxUnavailable("engine gone")),
            ["docker engine", *EVERY_IMAGE],
            "engine gone",
        ),
    ],
)
async def test_not_ready_is_503_saying_what_failed(
    client: httpx.AsyncClient, images: Images, break_it: Callable[[Images], None], failed_checks: list[str], detail: str
) -> None:
    break_it(images)
    response = await client.get("/readyz")
    assert 503 == response.status_code
    failed = [check for check in response.json()["checks"] if not check["ok"]]
    assert failed_checks == [check["name"] for check in failed]
    assert all(detail in check["detail"] for check in failed)
