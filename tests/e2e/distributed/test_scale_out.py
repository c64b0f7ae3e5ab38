"""Two API nodes and two workers on one Redis and one PostgreSQL: what scale-out promises.

Each evaluation is recorded exactly once with its right verdict wherever it was sent; a
worker killed mid-evaluation, a Redis restart or a draining worker loses nothing
accepted and leaves nothing pending or running.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import grpc
import httpx
import pytest
import redis
from cluster import Cluster, all_final, post_all, records, slow, submission, wait_running
from running_server import wait_until

from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.entrypoints.grpc._generated import code_runner_pb2_grpc as rpc

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def _post_later(url: str, document: dict[str, object]) -> httpx.Response:
    return httpx.post(f"{url}/v1/executions", json=document, params={"wait": "false"})


def test_200_submissions_over_two_api_nodes_are_each_recorded_once_with_their_verdict(
    cluster: Cluster, student: str
) -> None:
    # Given two API nodes and two workers (instance names and UID bases of their own)
    api1, api2 = cluster.api(), cluster.api()
    cluster.worker(), cluster.worker()
    ready = httpx.get(f"{api1.http_url}/readyz").json()
    assert ready["ready"], ready
    # When 200 cheap submissions (Python and C++, right and wrong) are spread over both nodes,
    # half waiting for their result and half answered 202 at once
    students = [f"{student}-{n}" for n in range(4)]
    documents = [
        submission(students[i % 4], i, correct=i % 3 != 0, language="cpp" if i % 5 == 0 else "python")
        for i in range(200)
    ]
    urls = [api1.http_url, api2.http_url]
    waited = asyncio.run(post_all(urls, documents[:100], wait=True))
    queued = asyncio.run(post_all(urls, documents[100:], wait=False))
    # Then every request was taken, the waiting ones with their result
    assert [200] * 100 == [r.status_code for r in waited], [r.text for r in waited if r.status_code != 200][:3]
    assert [202] * 100 == [r.status_code for r in queued]
    # and each submission has exactly one record, final, with the verdict its code deserves
    found = [r for s in students for r in all_final(api2, s, 50, timeout_s=600)]
    assert 200 == len(found) == len({r["id"] for r in found})
    by_version = {r["code_version_id"]: r for r in found}
    expected = {f"v{i}": "accepted" if i % 3 != 0 else "wrong_answer" for i in range(200)}
    assert expected == {version: record["verdict"] for version, record in by_version.items()}
    # and both workers graded some of them
    for worker in cluster.workers:
        assert "execution.finished" in worker.log_path.read_text(), worker.instance


def test_a_worker_killed_mid_evaluation_leaves_nothing_stuck(cluster: Cluster, student: str) -> None:
    # Given two workers, each busy with a slow evaluation, and two more queued
    api = cluster.api()
    first, second = cluster.worker(), cluster.worker()
    answers = asyncio.run(post_all([api.http_url], [slow(student, 3) for _ in range(4)], wait=False))
    assert [202] * 4 == [a.status_code for a in answers]
    wait_running(api, student, 2)
    # When one worker is killed (SIGKILL: no clean-up of any kind)
    first.kill()
    # Then every evaluation ends: redelivered to the other worker and passed, or failed saying
    # why; none stays pending or running
    found = all_final(api, student, 4, timeout_s=300)
    for record in found:
        assert record["verdict"] == "accepted" or record["error_type"] == "internal_error", record
    assert 4 == len({r["id"] for r in found})
    assert sum(r["verdict"] == "accepted" for r in found) >= 3
    assert "consumer.redelivered" in second.log_path.read_text()


def test_a_redis_restart_loses_nothing_accepted(cluster: Cluster, student: str) -> None:
    # Given a cluster with accepted evaluations still queued
    api = cluster.api()
    cluster.worker(), cluster.worker()
    documents = [submission(student, i, correct=True) for i in range(12)]
    before = asyncio.run(post_all([api.http_url], documents[:8], wait=False))
    assert [202] * 8 == [a.status_code for a in before]
    # When Redis restarts (its append-only file keeps the queues)
    cluster.redis.stop()
    refused = httpx.post(f"{api.http_url}/v1/executions", json=submission(student, 99, correct=True))
    cluster.redis.start()
    # Then a request made while it was away was refused, not accepted (and its record is final)
    assert 503 == refused.status_code, refused.text
    # and every accepted evaluation, before and after the restart, ends accepted
    wait_until(lambda: httpx.get(f"{api.http_url}/readyz").status_code == 200, 60, "the API node ready again")
    after = asyncio.run(post_all([api.http_url], documents[8:], wait=True))
    assert [200] * 4 == [a.status_code for a in after], [a.text for a in after]
    found = all_final(api, student, 13, timeout_s=300)
    accepted = [r for r in found if r["code_version_id"] != "v99"]
    assert ["accepted"] * 12 == [r["verdict"] for r in accepted]
    assert ["failed"] == [r["status"] for r in found if r["code_version_id"] == "v99"]


def test_sigterm_drains_a_worker(cluster: Cluster, student: str) -> None:
    # Given a worker busy with a slow evaluation
    api = cluster.api()
    draining = cluster.worker()
    answer = httpx.post(f"{api.http_url}/v1/executions", json=slow(student, 4), params={"wait": "false"})
    assert 202 == answer.status_code
    wait_running(api, student, 1)
    # When it gets SIGTERM
    assert draining.process is not None
    draining.process.send_signal(signal.SIGTERM)
    # Then it finishes that evaluation, takes no new one, and exits cleanly
    assert 0 == draining.process.wait(120)
    (record,) = records(api, student)
    assert ("completed", "accepted") == (record["status"], record["verdict"])
    # and with no worker left, a new submission is refused at once: nothing would take it
    refused = httpx.post(f"{api.http_url}/v1/executions", json=submission(student, 1, correct=True))
    assert 503 == refused.status_code
    assert "no worker" in refused.json()["detail"]


def test_a_language_goes_only_to_workers_that_run_it(cluster: Cluster, student: str) -> None:
    # Given one worker that advertises Python only
    api = cluster.api()
    cluster.worker(worker_languages="python")
    # When a C++ and a Python submission arrive
    cpp = httpx.post(f"{api.http_url}/v1/executions", json=submission(student, 1, correct=True, language="cpp"))
    python = httpx.post(f"{api.http_url}/v1/executions", json=submission(student, 2, correct=True), timeout=120)
    # Then the Python one is graded, and the C++ one is refused naming the language
    assert ("accepted", 200) == (python.json()["verdict"], python.status_code)
    assert 503 == cpp.status_code
    assert "'cpp'" in cpp.json()["detail"]
    # and the languages list the runtime version of the workers that take them, none for C++ now
    versions = {entry["name"]: entry["runtime_version"] for entry in httpx.get(f"{api.http_url}/v1/languages").json()}
    assert ("", True) == (versions["cpp"], versions["python"].startswith("Python 3"))
    # and gRPC answers the same: graded through the worker, or UNAVAILABLE
    with grpc.insecure_channel(api.grpc_target) as channel:
        stub = rpc.SolutionEvaluationServiceStub(channel)
        tests = [pb.TestCase(code_version_test_id="t1", input="1, 2", expected_output="3")]
        code = "def add(a: int, b: int) -> int:\n    return a + b\n"
        reply = stub.EvaluateSolution(pb.ExecutionRequest(language="python", code=code, tests=tests), timeout=120)
        assert (True, ["t1"]) == (reply.success, list(reply.approved_tests))
        cpp_code = "int add(int a, int b) { return a + b; }"
        with pytest.raises(grpc.RpcError) as refused:
            stub.EvaluateSolution(pb.ExecutionRequest(language="cpp", code=cpp_code, tests=tests))
        assert grpc.StatusCode.UNAVAILABLE == refused.value.code()


def test_backpressure_is_per_student_and_for_the_whole_queue(cluster: Cluster, student: str) -> None:
    # Given an API node that admits 2 unfinished evaluations per student and 3 in all (on a
    # database of this test's own: the cluster-wide count must not see other tests' records)
    own = f"sqlite:///{cluster.folder / 'backpressure.db'}"
    api = cluster.api(broker_student_limit=2, broker_queue_limit=3, database_url=own)
    cluster.worker(database_url=own)
    # When one student sends three slow ones, and another student two (one after the other, so
    # that which one is refused is known; racing admissions: test_recovery.py)
    flood = [_post_later(api.http_url, slow(student, 3)) for _ in range(3)]
    other = [_post_later(api.http_url, slow(f"{student}-b", 1)) for _ in range(2)]
    # Then the flooding student's third is refused, the other student still gets in,
    # and past the queue's bound everyone is refused, each 429 with Retry-After
    assert [202, 202, 429] == sorted(r.status_code for r in flood)
    assert [202, 429] == sorted(r.status_code for r in other)
    for refused in [r for r in flood + other if r.status_code == 429]:
        assert refused.headers["retry-after"]
    all_final(api, student, 2, timeout_s=120)
    all_final(api, f"{student}-b", 1, timeout_s=120)


def test_doctor_and_readyz_report_the_broker_and_its_workers(cluster: Cluster) -> None:
    # Given an API node and no worker yet
    api = cluster.api()
    # Then it is not ready, and says why
    unready = httpx.get(f"{api.http_url}/readyz")
    assert 503 == unready.status_code
    broker = next(c for c in unready.json()["checks"] if c["name"] == "broker")
    assert "no worker is connected" in broker["detail"]
    # When a worker joins, it is ready and names the worker and its languages
    worker = cluster.worker(worker_languages="python")
    ready = wait_until(lambda: (r := httpx.get(f"{api.http_url}/readyz")).status_code == 200 and r, 30, "ready")
    broker = next(c for c in ready.json()["checks"] if c["name"] == "broker")
    assert f"{worker.instance} (python; 1 slot)" in broker["detail"]
    # and `coderunner doctor` checks the broker the same way; a broker that does not answer is a failure
    environment = {**os.environ, "COLUMNS": "400", "CODERUNNER_DATABASE_URL": cluster.database}
    for url, expected in ((cluster.redis.url, f"{worker.instance} (python"), ("redis://127.0.0.1:1/0", "refused")):
        done = subprocess.run(
            [sys.executable, "-m", "coderunner", "doctor"],
            env={**environment, "CODERUNNER_BROKER_URL": url},
            cwd=cluster.folder,
            capture_output=True,
            text=True,
            timeout=100,
            check=False,
        )
        line = next(line for line in done.stdout.splitlines() if "broker" in line)
        assert expected in line, done.stdout


def test_a_worker_on_another_database_dead_letters_what_it_cannot_find(cluster: Cluster, student: str) -> None:
    # Given an API node on a database of its own, and a worker on the cluster's (a misconfiguration)
    api = cluster.api(database_url=f"sqlite:///{cluster.folder / 'elsewhere.db'}")
    worker = cluster.worker(worker_languages="python")
    # When an evaluation is queued
    answer = httpx.post(
        f"{api.http_url}/v1/executions", json=submission(student, 1, correct=True), params={"wait": "false"}
    )
    assert 202 == answer.status_code
    # Then the worker does not acknowledge it as done: it is dead-lettered, where an operator finds it
    client = redis.Redis.from_url(cluster.redis.url)
    try:
        wait_until(lambda: client.zcard("coderunner-dramatiq:coderunner.python.XQ") == 1, 60, "the dead letter")
    finally:
        client.close()
    assert answer.json()["id"] in worker.log_path.read_text()


def test_an_api_node_needs_no_docker_engine(cluster: Cluster, student: str) -> None:
    # Given an API node whose Docker engine address leads nowhere, and a worker with a real one
    dead = "unix:///nonexistent/docker.sock"
    api = cluster.api(docker_host=dead)
    cluster.worker(worker_languages="python")
    # Then it serves: ready on its database and broker alone, with no engine check
    ready = wait_until(lambda: (r := httpx.get(f"{api.http_url}/readyz")).status_code == 200 and r, 30, "ready")
    assert ["broker", "database"] == [check["name"] for check in ready.json()["checks"]]
    # and what it accepts is graded by the worker, its languages described from the workers' images
    graded = httpx.post(f"{api.http_url}/v1/executions", json=submission(student, 1, correct=True), timeout=120)
    assert (200, "accepted") == (graded.status_code, graded.json()["verdict"]), graded.text
    python = next(lang for lang in httpx.get(f"{api.http_url}/v1/languages").json() if lang["name"] == "python")
    assert python["runtime_version"].startswith("Python 3"), python
    # and `coderunner doctor` checks what an API node needs; `doctor --worker`, the engine too
    environment = {
        **os.environ,
        "COLUMNS": "400",
        "DOCKER_HOST": dead,
        "CODERUNNER_DATABASE_URL": cluster.database,
        "CODERUNNER_BROKER_URL": cluster.redis.url,
    }
    outputs = {}
    for role in ([], ["--worker"]):
        done = subprocess.run(
            [sys.executable, "-m", "coderunner", "doctor", *role],
            env=environment,
            cwd=cluster.folder,
            capture_output=True,
            text=True,
            timeout=100,
            check=False,
        )
        outputs[tuple(role)] = (done.returncode, done.stdout)
    api_code, api_report = outputs[()]
    assert 0 == api_code, api_report
    assert "docker engine" not in api_report
    worker_code, worker_report = outputs[("--worker",)]
    assert 0 != worker_code, worker_report
    assert "docker engine" in worker_report
