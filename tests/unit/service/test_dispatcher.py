"""The dispatcher delivers what the outbox owes, retries with backoff, and never holds up grading.

The real pipeline, store (in-memory SQLite) and dispatcher; the sinks are in-memory
implementations of the ports, scripted to fail, and the clock is the test's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from coderunner.domain.callback import CallbackPolicy
from coderunner.domain.delivery import Backoff
from coderunner.domain.execution import Execution, RequestInfo
from coderunner.domain.submission import Submission, TestCase
from coderunner.errors import DeliveryFailed, InvalidSubmission
from coderunner.languages.plugin import Language
from coderunner.service.dispatcher import Dispatcher, DispatchPolicy
from coderunner.service.pipeline import Pipeline
from coderunner.store.database import create_engine_for, migrate
from coderunner.store.deliveries import SqlDeliveryStore
from coderunner.store.sql_store import SqlExecutionStore
from coderunner.store.tables import DeliveryRow

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class MemorySink:
    """Keeps what it is given; fails while ``failures`` lasts."""

    name = "memory"

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.events: list[tuple[str, Mapping[str, Any]]] = []
        self.attempts = 0

    async def publish(self, execution_id: str, event: Mapping[str, Any]) -> None:
        self.attempts += 1
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("connection refused")
        self.events.append((execution_id, event))

    async def close(self) -> None:
        pass


class MemoryWebhooks:
    def __init__(self, error: DeliveryFailed | None = None) -> None:
        self.error = error
        self.sent: list[tuple[str, str, bytes]] = []

    async def send(self, url: str, delivery_id: str, body: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.sent.append((url, delivery_id, body))

    async def close(self) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def render(execution: Execution) -> bytes:
    return execution.id.encode()


@pytest.fixture
def engine() -> Engine:
    engine = create_engine_for("sqlite://")
    migrate(engine)
    return engine


@pytest.fixture
def wire(engine: Engine, sandbox: Any, clock: Clock, language_registry: Callable[[str], Language]) -> Wire:
    """A pipeline and a dispatcher on one store, with ``sink`` and ``webhooks``."""

    def make(sink: MemorySink, webhooks: MemoryWebhooks | None = None) -> tuple[Pipeline, Dispatcher]:
        return wired(engine, sandbox, clock, language_registry, sink, webhooks)

    return make


Wire = Callable[..., tuple[Pipeline, Dispatcher]]


@pytest.fixture
def clock() -> Clock:
    return Clock()


def wired(
    engine: Engine,
    sandbox: Any,
    clock: Clock,
    languages: Callable[[str], Language],
    sink: MemorySink,
    webhooks: MemoryWebhooks | None,
) -> tuple[Pipeline, Dispatcher]:
    policy = DispatchPolicy(
        events=Backoff(first_s=1, max_s=4), webhooks=Backoff(first_s=1, max_s=4, give_up_after_s=10)
    )
    store = SqlExecutionStore(engine)
    dispatcher = Dispatcher(
        SqlDeliveryStore(engine), store, sinks=[sink], webhooks=webhooks, render=render, policy=policy, clock=clock
    )
    pipeline = Pipeline(
        store,
        sandbox,
        languages,
        server_instance="unit",
        clock=clock,
        event_sinks=dispatcher.event_sinks,
        callbacks=CallbackPolicy.parse(["127.0.0.1/32"]),
        on_final=dispatcher.wake,
    )
    return pipeline, dispatcher


async def graded(pipeline: Pipeline, sandbox: Any, callback_url: str = "") -> Execution:
    submission = Submission.create(
        code="int f() { return 1; }", tests=[TestCase("t1", "", "1")], language="cpp", callback_url=callback_url
    )
    sandbox.release.set()
    return await pipeline.run(await pipeline.record(submission, RequestInfo()))


async def test_every_final_state_is_published_with_the_replaced_services_fields(
    wire: Wire, sandbox: Any, clock: Clock
) -> None:
    sink = MemorySink()
    pipeline, dispatcher = wire(sink)
    execution = await graded(pipeline, sandbox)

    assert 1 == await dispatcher.run_once()

    ((key, event),) = sink.events
    assert (execution.id, execution.id, "completed", True) == (
        key,
        event["execution_id"],
        event["status"],
        event["success"],
    )
    assert [{"test_id": "t1", "passed": True, "execution_time_ms": 0, "error_message": ""}] == event["test_results"]
    assert "unit" == event["server_instance"]
    assert 0 == await dispatcher.run_once()  # delivered once


async def test_a_failing_sink_is_retried_with_exponential_backoff_without_touching_the_grade(
    wire: Wire, sandbox: Any, clock: Clock, engine: Engine
) -> None:
    sink = MemorySink(failures=4)
    pipeline, dispatcher = wire(sink)
    execution = await graded(pipeline, sandbox)
    assert "completed" == execution.status.value  # graded and answered before any delivery

    retries = []
    for _ in range(5):
        assert 1 == await dispatcher.run_once()
        due = next_due(engine)
        if due is None:  # delivered
            break
        retries.append((due - clock.now).total_seconds())
        assert 0 == await dispatcher.run_once()  # not before it is due
        clock.now = due

    assert [1, 2, 4, 4] == retries  # doubling from first_s, capped at max_s
    assert 1 == len(sink.events)


def next_due(engine: Engine) -> datetime | None:
    with engine.connect() as connection:
        row = connection.execute(select(DeliveryRow.next_attempt_at, DeliveryRow.state)).one()
    return row[0] if row[1] == "pending" else None


async def test_a_webhook_refused_for_good_is_abandoned_at_once(wire: Wire, sandbox: Any, clock: Clock) -> None:
    webhooks = MemoryWebhooks(DeliveryFailed("answered 302; redirects are never followed", permanent=True))
    pipeline, dispatcher = wire(MemorySink(), webhooks)
    await graded(pipeline, sandbox, "http://127.0.0.1:9/hook")

    assert 2 == await dispatcher.run_once()  # the event and the webhook
    clock.now += timedelta(days=1)
    assert 0 == await dispatcher.run_once()


async def test_a_webhook_is_retried_for_a_bounded_time_only(wire: Wire, sandbox: Any, clock: Clock) -> None:
    webhooks = MemoryWebhooks(DeliveryFailed("answered 503"))
    pipeline, dispatcher = wire(MemorySink(), webhooks)
    await graded(pipeline, sandbox, "http://127.0.0.1:9/hook")

    attempts = 0
    while await dispatcher.run_once():
        attempts += 1
        clock.now += timedelta(seconds=4)
    # give_up_after_s=10: attempts at 0, 4 and 8 s (the event went out on the first pass)
    assert 3 == attempts


async def test_the_webhook_gets_the_rendered_execution_under_a_stable_delivery_id(
    wire: Wire, sandbox: Any, clock: Clock
) -> None:
    webhooks = MemoryWebhooks()
    pipeline, dispatcher = wire(MemorySink(), webhooks)
    execution = await graded(pipeline, sandbox, "http://127.0.0.1:9/hook")

    await dispatcher.run_once()

    ((url, delivery_id, body),) = webhooks.sent
    assert ("http://127.0.0.1:9/hook", execution.id.encode()) == (url, body)
    assert delivery_id != execution.id


async def test_callback_urls_the_operator_did_not_allow_are_refused_naming_the_field(
    wire: Wire, sandbox: Any, clock: Clock
) -> None:
    pipeline, _ = wire(MemorySink())
    submission = Submission.create(
        code="x", tests=[TestCase("t1")], language="cpp", callback_url="http://169.254.169.254/latest/meta-data"
    )
    with pytest.raises(InvalidSubmission, match="not inside an allowed network") as refused:
        await pipeline.record(submission, RequestInfo())
    assert "callback_url" == refused.value.field


async def test_the_dispatcher_loop_delivers_right_after_grading(wire: Wire, sandbox: Any, clock: Clock) -> None:
    sink = MemorySink()
    pipeline, dispatcher = wire(sink)
    dispatcher.start()
    try:
        await graded(pipeline, sandbox)
        async with asyncio.timeout(10):
            while not sink.events:
                await asyncio.sleep(0.01)
    finally:
        await dispatcher.stop()


async def test_stopping_delivers_what_is_due_first(wire: Wire, sandbox: Any, clock: Clock) -> None:
    """A short-lived process (``coderunner run``) publishes its own events before it exits."""
    sink = MemorySink()
    pipeline, dispatcher = wire(sink)
    await graded(pipeline, sandbox)  # the loop was never started

    await dispatcher.stop(flush_s=5)

    assert 1 == len(sink.events)
