"""What the broker alone cannot promise (issue 14): records it never held are still graded,
and the queue's bound holds however many API nodes admit at once.

A record can be pending with no message anywhere: its API node died between recording and
queuing it, or Redis lost more than its append-only file kept; or running with none: its
worker died and Redis lost the message it held. The workers' sweep queues it again.
Admission counts and inserts in one transaction, so concurrent submissions to two API
nodes never overshoot the bound.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
import pytest
import redis
from cluster import Cluster, all_final, post_all, slow, submission, wait_running
from running_server import wait_until

from coderunner.domain.execution import RequestInfo
from coderunner.domain.submission import Submission, TestCase
from coderunner.languages.registry import get_language
from coderunner.store.database import create_engine_for
from coderunner.store.sql_store import SqlExecutionStore

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


def test_a_record_its_api_node_never_queued_is_graded(cluster: Cluster, student: str) -> None:
    # Given a record stored as pending by an API node that died before queuing it
    api = cluster.api()
    worker = cluster.worker(broker_requeue_after_s=1)
    engine = create_engine_for(cluster.database)
    lost = Submission.create(
        language="python",
        code="def add(a: int, b: int) -> int:\n    return a + b\n",
        tests=[TestCase("t1", "1, 2", "3")],
        student_id=student,
        limits=get_language("python").default_limits,
    )
    execution_id = str(uuid.uuid4())
    asyncio.run(
        SqlExecutionStore(engine).create(execution_id, lost, RequestInfo(server_instance="gone"), datetime.now(UTC))
    )
    engine.dispose()
    # Then the workers' sweep queues it again, and it is graded once, accepted
    [record] = all_final(api, student, 1, timeout_s=120)
    assert (execution_id, "completed", "accepted") == (record["id"], record["status"], record["verdict"])
    assert "stranded.requeued" in worker.log_path.read_text()


def test_a_running_record_whose_worker_died_and_whose_message_redis_lost_is_graded(
    cluster: Cluster, student: str
) -> None:
    # Given an evaluation a worker is running, with short limits of its own (the sweep waits them out)
    api = cluster.api()
    first = cluster.worker()
    document = slow(student, 3) | {"limits": {"timeout_s": 10, "compile_timeout_s": 5}}
    answer = httpx.post(f"{api.http_url}/v1/executions", json=document, params={"wait": "false"})
    assert 202 == answer.status_code, answer.text
    wait_running(api, student, 1)
    # When that worker is killed and Redis loses everything it held (the message, its delivery count)
    first.kill()
    redis.Redis.from_url(cluster.redis.url).flushall()
    # Then another worker's sweep queues it again once its limits are past, and it is graded, once
    second = cluster.worker(broker_requeue_after_s=1)
    [record] = all_final(api, student, 1, timeout_s=180)
    assert (answer.json()["id"], "completed", "accepted") == (record["id"], record["status"], record["verdict"])
    requeued = [line for line in second.log_path.read_text().splitlines() if "stranded.requeued" in line]
    assert [True] == ['"was": "running"' in line for line in requeued], requeued


def test_redis_losing_every_key_loses_nothing_accepted(cluster: Cluster, student: str) -> None:
    # Given two API nodes and two workers that sweep often, with accepted evaluations queued
    api1, api2 = cluster.api(), cluster.api()
    cluster.worker(broker_requeue_after_s=2), cluster.worker(broker_requeue_after_s=2)
    urls = [api1.http_url, api2.http_url]
    documents = [submission(student, i, correct=i % 2 == 0) for i in range(30)]
    before = asyncio.run(post_all(urls, documents[:20], wait=False))
    assert [202] * 20 == [a.status_code for a in before]
    # When Redis loses everything it held (queues, messages, workers' advertisements) mid-run
    redis.Redis.from_url(cluster.redis.url).flushall()
    wait_until(lambda: httpx.get(f"{api1.http_url}/readyz").status_code == 200, 60, "the workers advertised again")
    after = asyncio.run(post_all(urls, documents[20:], wait=True))
    # Then every evaluation accepted, before and after, ends with the verdict its code deserves
    assert [200] * 10 == [a.status_code for a in after], [a.text for a in after]
    found = all_final(api1, student, 30, timeout_s=300)
    assert 30 == len({r["id"] for r in found})
    expected = {f"v{i}": "accepted" if i % 2 == 0 else "wrong_answer" for i in range(30)}
    assert expected == {r["code_version_id"]: r["verdict"] for r in found}
    # (those whose message Redis lost were queued again by a worker's sweep)
    assert any("stranded.requeued" in worker.log_path.read_text() for worker in cluster.workers)


def test_concurrent_admissions_on_two_api_nodes_never_overshoot_the_bound(
    cluster: Cluster, own_postgres: str, student: str
) -> None:
    # Given two API nodes on one database that admit 4 unfinished evaluations in all, and a
    # worker busy long enough that none of them finishes during the burst
    api1 = cluster.api(broker_queue_limit=4, database_url=own_postgres)
    api2 = cluster.api(broker_queue_limit=4, database_url=own_postgres)
    cluster.worker(database_url=own_postgres)
    # When 40 submissions race over both nodes, 16 at a time
    students = [f"{student}-{n}" for n in range(40)]
    answers = asyncio.run(post_all([api1.http_url, api2.http_url], [slow(s, 5) for s in students], wait=False))
    # Then at least the first 4 were admitted, and the rest refused 429 with Retry-After
    admitted = [s for s, a in zip(students, answers, strict=True) if a.status_code == 202]
    refused = [a for a in answers if a.status_code != 202]
    assert len(admitted) >= 4, [a.text for a in refused]
    assert refused
    assert all(a.status_code == 429 for a in refused), [a.text for a in refused]
    assert all(a.headers["retry-after"] for a in refused)
    # and at no admission were more than 4 unfinished, the admitted one included
    found = [record for one in admitted for record in all_final(api1, one, 1, timeout_s=300)]
    spans = [(_instant(r["created_at"]), _instant(r["finished_at"])) for r in found]
    for admitted_at, _ in spans:
        unfinished = [s for s in spans if s[0] <= admitted_at < s[1]]
        assert len(unfinished) <= 4, (admitted_at, sorted(spans))


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
