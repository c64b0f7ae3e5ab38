"""SIGTERM under load ends every record (cancelled) and leaves no container; SIGKILL under
load leaves both behind, and the restart fails those records and removes those containers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from running_server import RunningServer, wait_until
from settled import assert_settled, final, sleeper, stop_if_running

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SLOTS, LOAD = 2, 5


def load(server: RunningServer, student: str) -> list[str]:
    """``LOAD`` sleepers accepted without waiting: ``SLOTS`` of them run, the rest wait."""
    with httpx.Client(base_url=server.http_url, timeout=60) as http:
        answers = [http.post("/v1/executions", params={"wait": "false"}, json=sleeper(student)) for _ in range(LOAD)]
    assert [202] * LOAD == [a.status_code for a in answers], [a.text for a in answers]
    wait_until(lambda: len(server.busy_containers()) >= SLOTS or None, 60, f"{SLOTS} running sandboxes")
    return [a.json()["id"] for a in answers]


@pytest.fixture
def server(tmp_path: Path, docker_client: object) -> Iterator[RunningServer]:
    running = RunningServer(tmp_path / "server", f"sqlite:///{tmp_path / 'coderunner.db'}", slots=SLOTS).start()
    yield running
    stop_if_running(running)


def test_sigterm_under_load_cancels_everything_and_leaves_nothing(server: RunningServer, student: str) -> None:
    # Given running and waiting executions
    ids = load(server, student)
    # When the service is asked to stop
    assert 0 == server.stop(), server.log_tail()
    # Then no container is left, and, after a restart, every record says it was cancelled
    assert [] == server.containers()
    server.start()
    try:
        assert {"cancelled"} == {final(server, i)["status"] for i in ids}
        assert_settled(server, student)
    finally:
        server.stop()
    assert [] == server.containers()


def test_sigkill_under_load_is_cleaned_up_by_the_restart(server: RunningServer, student: str) -> None:
    ids = load(server, student)
    # When the service dies without any clean-up
    server.kill()
    assert server.containers()  # the orphans are really there
    # Then the restarted service fails every orphaned record and removes the containers
    server.start()
    try:
        ended = [final(server, i) for i in ids]
        assert {("failed", "internal_error")} == {(r["status"], r["error_type"]) for r in ended}
        assert all("stopped before this execution finished" in r["error_message"] for r in ended)
        assert_settled(server, student)
    finally:
        server.stop()
    assert [] == server.containers()
