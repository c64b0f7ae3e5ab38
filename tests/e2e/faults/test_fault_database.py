"""PostgreSQL stops mid-load and starts again.

The test runs a PostgreSQL of its own (private_postgres.py): the shared one is never
stopped. While the database is away, the requests in flight and new ones are answered
503; once it is back, with no restart of the service, every record is final: the grade
when it was computed during the outage, otherwise ``failed`` with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from private_postgres import PrivatePostgres, postgres_bin
from running_server import RunningServer, wait_until
from settled import assert_settled, body, final, records, stop_if_running

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(360)]

SLOTS, LOAD = 2, 4
SLOW_ADD = (
    "#include <chrono>\n#include <thread>\n"
    "int add(int a, int b) { std::this_thread::sleep_for(std::chrono::seconds(6)); return a + b; }\n"
)


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        message = "no PostgreSQL binaries under /usr/lib/postgresql (scripts/start-postgres.sh installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = PrivatePostgres(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def server(tmp_path: Path, postgres: PrivatePostgres, docker_client: object) -> Iterator[RunningServer]:
    running = RunningServer(tmp_path / "server", postgres.url, slots=SLOTS, queue_limit=LOAD).start()
    yield running
    stop_if_running(running)


def test_after_a_database_outage_every_record_ends_without_a_restart(
    server: RunningServer, postgres: PrivatePostgres, student: str
) -> None:
    with ThreadPoolExecutor(LOAD) as callers, httpx.Client(base_url=server.http_url, timeout=120) as http:
        # Given two evaluations running and two waiting for a slot
        calls = [callers.submit(http.post, "/v1/executions", json=body(student, SLOW_ADD)) for _ in range(LOAD)]

        def snapshot() -> list[dict[str, object]] | None:
            found = records(server, student)
            running = [r for r in found if r["status"] == "running"]
            return found if len(found) == LOAD and len(running) == SLOTS else None

        before = wait_until(snapshot, 60, f"{SLOTS} running and {LOAD - SLOTS} waiting")
        # (in their sandboxes: everything they store before grading is stored)
        wait_until(lambda: len(server.busy_containers()) >= SLOTS or None, 60, "their sandboxes")
        # When the database stops
        postgres.stop()
        # Then every caller, and a new one, is answered 503 (never 500)
        answers = [call.result() for call in calls]
        assert [503] * LOAD == [a.status_code for a in answers], [a.text for a in answers]
        refused = http.post("/v1/executions", json=body(student))
        assert (503, "unavailable") == (refused.status_code, refused.json()["error"]), refused.text
    # When the database is back (the service keeps running)
    postgres.start()
    # Then the grades computed during the outage are stored, and the rest failed with the reason
    for record in before:
        ended = final(server, str(record["id"]), timeout_s=60)
        if record["status"] == "running":
            assert ("completed", "accepted") == (ended["status"], ended["verdict"]), ended
        else:
            assert ("failed", "internal_error") == (ended["status"], ended["error_type"]), ended
            assert "could not" in ended["error_message"], ended
    assert LOAD == len(records(server, student))  # the refused request left no record
    assert_settled(server, student)
    assert 0 == server.stop(), server.log_tail()
    assert [] == server.containers()
