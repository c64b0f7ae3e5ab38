"""The Docker engine becomes unreachable mid-run and comes back.

The server talks to the engine through a proxy the test cuts (the shared engine itself is
never stopped). While it is cut, the running evaluation and new requests are answered 503
(never 500); once it is back, every container is removed or reaped, the warm pool is
rebuilt from fresh containers, and the next gradings pass.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import httpx
import pytest
from engine_proxy import EngineProxy, engine_socket
from running_server import RunningServer, wait_until
from settled import assert_settled, body, final, records, sleeper, stop_if_running

from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.entrypoints.grpc._generated import code_runner_pb2_grpc as pb_grpc

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(360)]

SLOTS, POOL = 2, 1


@pytest.fixture
def proxy(docker_client: object) -> Iterator[EngineProxy]:
    target = engine_socket()
    if target is None:
        pytest.skip("the engine is reached over TCP; this test puts a proxy in front of a unix socket")
    # Short: a unix socket path has at most 107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="cr-engine-"))
    running = EngineProxy(target, folder / "engine.sock").start()
    yield running
    running.close()
    folder.rmdir()


@pytest.fixture
def server(tmp_path: Path, proxy: EngineProxy) -> Iterator[RunningServer]:
    running = RunningServer(
        tmp_path / "server",
        f"sqlite:///{tmp_path / 'coderunner.db'}",
        docker_host=proxy.docker_host,
        slots=SLOTS,
        warm_pool_sizes=f"cpp={POOL}",  # filled with the service, not at the first submission
    ).start()
    yield running
    stop_if_running(running)


def test_an_engine_outage_is_503_and_leaves_nothing_once_the_engine_is_back(
    server: RunningServer, proxy: EngineProxy, student: str
) -> None:
    with ThreadPoolExecutor(4) as waiting:
        # Given two evaluations running (REST, waiting for their result)
        with httpx.Client(base_url=server.http_url, timeout=120) as http:
            pending = [waiting.submit(http.post, "/v1/executions", json=sleeper(student)) for _ in range(SLOTS)]
            wait_until(lambda: _count(server, student, "running") == SLOTS or None, 60, "both to run")
            # (both in their sandboxes)
            wait_until(lambda: len(server.busy_containers()) >= SLOTS or None, 60, "their sandboxes")
            # When the engine becomes unreachable
            proxy.cut()
            # Then the running evaluations are answered 503, and so is a new request
            answers = [future.result() for future in pending]
            assert [503] * SLOTS == [a.status_code for a in answers], [a.text for a in answers]
            assert {"unavailable"} == {a.json()["error"] for a in answers}
            refused = http.post("/v1/executions", json=body(student))
            assert (503, "unavailable") == (refused.status_code, refused.json()["error"]), refused.text
        with grpc.insecure_channel(server.grpc_target) as channel:
            stub = pb_grpc.SolutionEvaluationServiceStub(channel)  # type: ignore[no-untyped-call]
            with pytest.raises(grpc.RpcError) as caught:
                stub.EvaluateSolution(_grpc_add(student), timeout=60)
            assert grpc.StatusCode.UNAVAILABLE == caught.value.code(), caught.value.details()
    # And each of those records already says why it failed
    for record in records(server, student):
        ended = final(server, record["id"])
        assert ("failed", "internal_error") == (ended["status"], ended["error_type"])
        assert "engine" in ended["error_message"], ended
    # When the engine is back
    proxy.start()
    # Then the sandboxes that outlived the outage are removed, only a fresh warm pool remains
    # (idle serving containers, or at most POOL single-use ones), and the next gradings
    # (which take the pool's containers first) pass
    for _ in range(POOL + 1):
        assert_settled(server, student, containers_left=POOL)
    assert 0 == server.stop(), server.log_tail()
    assert [] == server.containers()


def test_a_graceful_stop_while_the_engine_is_away_leaves_nothing_for_the_next_start(
    server: RunningServer, proxy: EngineProxy, student: str
) -> None:
    wait_until(lambda: len(server.containers()) >= POOL or None, 60, "the warm pool")
    with httpx.Client(base_url=server.http_url, timeout=120) as http:
        accepted = http.post("/v1/executions", params={"wait": "false"}, json=sleeper(student))
        assert 202 == accepted.status_code, accepted.text
        wait_until(lambda: _count(server, student, "running") or None, 60, "it to run")
    # (in the warm container it took)
    wait_until(lambda: server.busy_containers() or None, 60, "its sandbox")
    proxy.cut()
    server.stop()
    assert server.containers()  # the engine could not be asked to remove them
    # When the engine is back and the service starts again
    proxy.start()
    server.start()
    try:
        assert final(server, accepted.json()["id"])["status"] in {"failed", "cancelled"}
        assert_settled(server, student, containers_left=POOL)
    finally:
        server.stop()
    assert [] == server.containers()


def _count(server: RunningServer, student: str, status: str) -> int:
    return sum(1 for record in records(server, student) if record["status"] == status)


def _grpc_add(student: str) -> pb.ExecutionRequest:
    return pb.ExecutionRequest(
        student_id=student,
        challenge_id="sum",
        code_version_id="v1",
        code="int add(int a, int b) { return a + b; }",
        language="cpp",
        tests=[pb.TestCase(code_version_test_id="t1", input="1, 2", expected_output="3")],
    )
