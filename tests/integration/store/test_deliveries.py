"""The delivery outbox in the store: owed with the final state, claimed once, retried, ended."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from coderunner.domain.delivery import WEBHOOK, DeliveryState
from coderunner.domain.execution import ExecutionStatus, RequestInfo
from coderunner.domain.submission import Submission, TestCase
from coderunner.store.deliveries import SqlDeliveryStore
from coderunner.store.sql_store import SqlExecutionStore
from coderunner.store.tables import DeliveryRow

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

T0 = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
LEASE = timedelta(seconds=60)


async def a_record(store: SqlExecutionStore, callback_url: str = "", instance: str = "node-a") -> str:
    execution_id = str(uuid.uuid4())
    submission = Submission.create(
        language="cpp", code="int f() { return 1; }", tests=[TestCase("t1", "", "1")], callback_url=callback_url
    )
    await store.create(execution_id, submission, RequestInfo(server_instance=instance), T0)
    return execution_id


def owed(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(select(DeliveryRow.execution_id, DeliveryRow.sink, DeliveryRow.state)).all()
    return sorted((r[0], r[1], r[2]) for r in rows)


async def test_a_final_state_owes_one_delivery_per_sink_once(store: SqlExecutionStore, engine: Engine) -> None:
    execution_id = await a_record(store, "https://hooks.example.com/x")
    for _ in range(2):  # the in-memory outbox may write a final state twice
        await store.finish(execution_id, ExecutionStatus.COMPLETED, T0, deliveries=["redis", WEBHOOK])
    assert [(execution_id, "redis", "pending"), (execution_id, WEBHOOK, "pending")] == owed(engine)
    assert "https://hooks.example.com/x" == (await store.get(execution_id)).submission.callback_url


async def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_ends(
    store: SqlExecutionStore, engine: Engine
) -> None:
    deliveries = SqlDeliveryStore(engine)
    execution_id = await a_record(store)
    await store.finish(execution_id, ExecutionStatus.COMPLETED, T0, deliveries=["redis", "http"])

    assert [] == await deliveries.claim(["kafka"], T0, LEASE, 10)  # a sink nobody configured
    first = await deliveries.claim(["redis"], T0, LEASE, 10)
    assert [("redis", 1)] == [(d.sink, d.attempts) for d in first]
    assert [] == await deliveries.claim(["redis"], T0 + LEASE / 2, LEASE, 10)
    again = await deliveries.claim(["redis"], T0 + LEASE, LEASE, 10)  # its dispatcher died: retried
    assert [(first[0].id, 2)] == [(d.id, d.attempts) for d in again]


async def test_retry_delivered_and_abandoned(store: SqlExecutionStore, engine: Engine) -> None:
    deliveries = SqlDeliveryStore(engine)
    execution_id = await a_record(store, "https://hooks.example.com/x")
    await store.finish(execution_id, ExecutionStatus.COMPLETED, T0, deliveries=["redis", WEBHOOK])
    redis, webhook = sorted(await deliveries.claim(["redis", WEBHOOK], T0, LEASE, 10), key=lambda d: d.sink)

    await deliveries.retry_at(redis.id, T0 + timedelta(seconds=4), "connection refused")
    assert [] == await deliveries.claim(["redis"], T0 + timedelta(seconds=3), LEASE, 10)
    assert [redis.id] == [d.id for d in await deliveries.claim(["redis"], T0 + timedelta(seconds=4), LEASE, 10)]
    await deliveries.delivered(redis.id, T0 + timedelta(seconds=5))
    await deliveries.abandon(webhook.id, T0 + timedelta(seconds=5), "answered 302; redirects are never followed")

    assert {DeliveryState.DELIVERED.value, DeliveryState.ABANDONED.value} == {state for *_, state in owed(engine)}
    assert [] == await deliveries.claim(["redis", WEBHOOK], T0 + timedelta(days=1), LEASE, 10)


async def test_recovery_owes_the_events_and_webhooks_of_the_executions_it_fails(
    store: SqlExecutionStore, engine: Engine
) -> None:
    with_hook = await a_record(store, "https://hooks.example.com/x")
    without = await a_record(store)
    other_instance = await a_record(store, instance="node-b")

    failed = await store.fail_unfinished("node-a", "crashed", T0, event_sinks=["redis"])

    assert sorted([with_hook, without]) == failed
    expected = [(with_hook, "redis", "pending"), (with_hook, WEBHOOK, "pending"), (without, "redis", "pending")]
    assert sorted(expected) == owed(engine)
    assert other_instance not in {execution_id for execution_id, *_ in owed(engine)}


async def test_concurrent_dispatchers_never_claim_one_delivery_twice(store: SqlExecutionStore, engine: Engine) -> None:
    ids = [await a_record(store) for _ in range(6)]
    for execution_id in ids:
        await store.finish(execution_id, ExecutionStatus.COMPLETED, T0, deliveries=["redis"])
    dispatchers = [SqlDeliveryStore(engine) for _ in range(3)]

    batches = await asyncio.gather(*(d.claim(["redis"], T0, LEASE, 4) for d in dispatchers))

    claimed = [delivery.execution_id for batch in batches for delivery in batch]
    assert sorted(ids) == sorted(claimed)
