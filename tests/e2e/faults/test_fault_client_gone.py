"""A caller that leaves, while its execution waits for a slot or while it runs: the record
ends ``cancelled`` at once, a queued one never runs, and its container (if any) goes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from running_server import RunningServer, wait_until
from settled import SLEEPER, assert_settled, final, post_and_hold, record_in, sleeper

from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.entrypoints.grpc._generated import code_runner_pb2_grpc as pb_grpc

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, docker_client: object) -> Iterator[RunningServer]:
    """One slot: a second execution waits until the first ends."""
    folder = tmp_path_factory.mktemp("client-gone")
    with RunningServer(folder, f"sqlite:///{folder / 'coderunner.db'}", slots=1, queue_limit=4).serving() as running:
        yield running


@pytest.fixture
def blocker(server: RunningServer, student: str) -> Iterator[str]:
    """Holds the only slot with a 20 s sleeper until the test ends; yields its student id."""
    holder = f"{student}-blocker"
    connection = post_and_hold(server, sleeper(holder))
    try:
        record_in(server, holder, "running")
        wait_until(lambda: server.busy_containers() or None, 30, "the blocker's container")
        yield holder
    finally:
        connection.close()


def grpc_sleeper(student_id: str) -> pb.ExecutionRequest:
    return pb.ExecutionRequest(
        student_id=student_id,
        challenge_id="sum",
        code_version_id="v1",
        code=SLEEPER,
        language="cpp",
        tests=[pb.TestCase(code_version_test_id="t", input="", expected_output="")],
    )


def assert_cancelled(record: dict[str, Any], *, started: bool) -> None:
    assert ("cancelled", "cancelled") == (record["status"], record["error_type"])
    assert started == (record["started_at"] is not None), record


def test_a_rest_client_leaving_while_queued_cancels_it_before_it_runs(
    server: RunningServer, blocker: str, student: str
) -> None:
    # Given an execution waiting behind the blocker
    connection = post_and_hold(server, sleeper(student))
    waiting = record_in(server, student, "pending")
    # When its client hangs up
    connection.close()
    # Then it ends cancelled at once, never having started, while the blocker still runs
    assert_cancelled(final(server, waiting["id"]), started=False)
    assert "running" == record_in(server, blocker, "running")["status"]


def test_a_rest_client_leaving_while_running_cancels_it(server: RunningServer, student: str) -> None:
    connection = post_and_hold(server, sleeper(student))
    running = record_in(server, student, "running")
    busy = wait_until(lambda: server.busy_containers() or None, 30, "its container")
    connection.close()
    assert_cancelled(final(server, running["id"]), started=True)
    assert_settled(server, student, gone=busy)


def test_a_grpc_deadline_passing_while_queued_cancels_it_before_it_runs(
    server: RunningServer, blocker: str, student: str
) -> None:
    with grpc.insecure_channel(server.grpc_target) as channel:
        stub = pb_grpc.SolutionEvaluationServiceStub(channel)  # type: ignore[no-untyped-call]
        # Given a call that waits behind the blocker, with a deadline it cannot meet
        call = stub.EvaluateSolution.future(grpc_sleeper(student), timeout=5)
        waiting = record_in(server, student, "pending")
        # When the deadline passes
        with pytest.raises(grpc.RpcError) as caught:
            call.result()
        assert grpc.StatusCode.DEADLINE_EXCEEDED == caught.value.code()
    # Then the execution ends cancelled, never having started
    assert_cancelled(final(server, waiting["id"]), started=False)


def test_a_grpc_call_cancelled_while_running_cancels_it(server: RunningServer, student: str) -> None:
    with grpc.insecure_channel(server.grpc_target) as channel:
        stub = pb_grpc.SolutionEvaluationServiceStub(channel)  # type: ignore[no-untyped-call]
        call = stub.EvaluateSolution.future(grpc_sleeper(student), timeout=120)
        running = record_in(server, student, "running")
        busy = wait_until(lambda: server.busy_containers() or None, 30, "its container")
        assert call.cancel()
    assert_cancelled(final(server, running["id"]), started=True)
    assert_settled(server, student, gone=busy)


def test_after_the_callers_left_nothing_is_left_and_the_next_request_is_served(
    server: RunningServer, student: str
) -> None:
    assert_settled(server, student)
