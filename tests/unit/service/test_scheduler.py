"""A caller that leaves while its execution waits for a slot: the record ends cancelled at
once and the submission never reaches the sandbox."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from coderunner.domain.execution import ExecutionStatus, RequestInfo
from coderunner.domain.submission import Submission
from coderunner.errors import Overloaded
from coderunner.metrics.prometheus import PrometheusMetrics
from coderunner.service.pipeline import Pipeline
from coderunner.service.scheduler import Scheduler

pytestmark = pytest.mark.timeout(10)


async def until_final(store: Any, execution_id: str) -> Any:
    while not (execution := await store.get(execution_id)).status.is_terminal:
        await asyncio.sleep(0.01)
    return execution


async def test_a_caller_leaving_while_queued_ends_its_record_cancelled_and_it_never_runs(
    pipeline: Pipeline, sandbox: Any, store: Any, submission: Submission
) -> None:
    # Given the only slot busy and a second caller waiting behind it
    scheduler = Scheduler(pipeline, slots=1, queue_limit=1)
    busy = asyncio.create_task(scheduler.evaluate(submission, RequestInfo()))
    await sandbox.started.wait()
    waiting = asyncio.create_task(scheduler.evaluate(submission, RequestInfo()))
    while len(await store.statuses()) < 2:
        await asyncio.sleep(0.01)
    queued_id = next(i for i, s in (await store.statuses()).items() if s is ExecutionStatus.PENDING)
    # When the waiting caller leaves
    waiting.cancel()
    # Then its record ends cancelled, and only the first submission ever reaches the sandbox
    queued = await until_final(store, queued_id)
    assert (ExecutionStatus.CANCELLED, "cancelled", None) == (queued.status, queued.error_type, queued.started_at)
    sandbox.release.set()
    assert ExecutionStatus.COMPLETED == (await busy).status
    assert 1 == sandbox.jobs
    assert 0 == scheduler.in_flight


async def test_a_task_cancelled_before_its_first_step_still_ends_its_record(
    pipeline: Pipeline, store: Any, submission: Submission
) -> None:
    scheduler = Scheduler(pipeline, slots=1, queue_limit=0)
    execution, task = await scheduler.submit(submission, RequestInfo())
    task.cancel()  # before the loop ever ran it
    await asyncio.gather(task, return_exceptions=True)
    assert ExecutionStatus.CANCELLED == (await until_final(store, execution.id)).status
    assert 0 == scheduler.in_flight


async def test_draining_ends_running_and_waiting_records_cancelled(
    pipeline: Pipeline, sandbox: Any, store: Any, submission: Submission
) -> None:
    scheduler = Scheduler(pipeline, slots=1, queue_limit=2)
    for _ in range(3):
        await scheduler.submit(submission, RequestInfo())
    await sandbox.started.wait()
    await scheduler.drain()
    assert [] == await pipeline.close(timeout_s=5)
    assert {ExecutionStatus.CANCELLED} == set((await store.statuses()).values())
    assert 1 == sandbox.jobs


def gauges(metrics: PrometheusMetrics) -> dict[str, float]:
    return {
        s.name: s.value
        for family in text_string_to_metric_families(metrics.exposition().decode())
        for s in family.samples
        if s.name.startswith("coderunner_scheduler_") and not s.name.endswith("_created")
    }


async def test_the_scheduler_reports_slots_in_use_queue_depth_and_refusals(
    pipeline: Pipeline, sandbox: Any, metrics: PrometheusMetrics, submission: Submission
) -> None:
    scheduler = Scheduler(pipeline, slots=1, queue_limit=2, metrics=metrics)
    # Given one running and two waiting
    for _ in range(3):
        await scheduler.submit(submission, RequestInfo())
    await sandbox.started.wait()
    with pytest.raises(Overloaded):
        await scheduler.submit(submission, RequestInfo())

    assert {
        "coderunner_scheduler_slots": 1,
        "coderunner_scheduler_slots_in_use": 1,
        "coderunner_scheduler_queue_depth": 2,
        "coderunner_scheduler_rejected_total": 1,
    } == gauges(metrics)
    # When everything ends, the scheduler is idle again
    await scheduler.drain()
    assert (0, 0) == (
        gauges(metrics)["coderunner_scheduler_slots_in_use"],
        gauges(metrics)["coderunner_scheduler_queue_depth"],
    )


async def test_every_final_state_is_counted_once_with_its_verdict(
    pipeline: Pipeline, sandbox: Any, store: Any, metrics: PrometheusMetrics, submission: Submission
) -> None:
    scheduler = Scheduler(pipeline, slots=1, queue_limit=1, metrics=metrics)
    busy = asyncio.create_task(scheduler.evaluate(submission, RequestInfo()))
    await sandbox.started.wait()
    waiting = asyncio.create_task(scheduler.evaluate(submission, RequestInfo()))
    while len(await store.statuses()) < 2:
        await asyncio.sleep(0.01)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    sandbox.release.set()
    await busy

    counted = {
        (s.labels["status"], s.labels["verdict"]): s.value
        for family in text_string_to_metric_families(metrics.exposition().decode())
        for s in family.samples
        if s.name == "coderunner_executions_total"
    }
    assert {("completed", "accepted"): 1, ("cancelled", ""): 1} == counted
