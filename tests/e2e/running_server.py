"""A real coderunner server in a subprocess, for the end-to-end tests.

``python -m coderunner.entrypoints.server`` with ports 0; the bound ports are read back
from the file named by CODERUNNER_PORTS_FILE. Every server gets its own instance name,
so its sandboxes can be found (and must be gone) by the instance label. The process
handling itself is coderunner.entrypoints.server_process, shared with `make bench`. Fixtures that
start one also request ``docker_client`` (tests/conftest.py): no engine is a skip, or a
failure under CI.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import docker
import pytest

from coderunner.entrypoints.server_process import START_TIMEOUT_S, ServerProcess, ServerStartError
from coderunner.sandbox.hardening import LABEL_INSTANCE, LABEL_SERVING

T = TypeVar("T")
# What an idle sandbox runs: PID 1, and a serving container's supervisor waiting for a request.
SERVING_SUPERVISOR = "crsup --serve "
IDLE_COMMANDS = ("sleep infinity", SERVING_SUPERVISOR)
POSTGRES_ENV = "CODERUNNER_TEST_POSTGRES_URL"
DATABASES = [pytest.param("sqlite", id="sqlite"), pytest.param("postgresql", id="postgresql")]


def database_url(kind: str, folder: Path) -> str:
    """A database for one test module: a fresh SQLite file, or the test PostgreSQL.

    Without CODERUNNER_TEST_POSTGRES_URL the PostgreSQL run is skipped, except in CI
    (``CI`` set), where it fails: CI must never pass without it.
    """
    if kind == "sqlite":
        return f"sqlite:///{folder / 'coderunner.db'}"
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    message = f"{POSTGRES_ENV} is not set (scripts/start-postgres.sh prints the URL)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


class RunningServer(ServerProcess):
    """One server process whose start and stop problems fail the test. ``start`` waits
    until both ports listen."""

    def __init__(self, folder: Path, database: str, instance: str | None = None, **settings: object) -> None:
        # Starts with the suite's label prefix (tests/conftest.py), whose session check removes and reports leftovers.
        self.instance = instance or f"test-{os.getpid()}-e2e-{uuid.uuid4().hex[:10]}"
        defaults: dict[str, object] = {
            "database_url": database,
            "instance_name": self.instance,
            # These tests count a server's containers to prove none outlives its execution;
            # warm containers would be counted too. The pool has its own tests
            # (tests/integration/sandbox/test_sandbox_pool.py, and the README examples' server).
            "warm_pool_size": 0,
        }
        super().__init__(folder, {**defaults, **settings})

    def start(self, timeout_s: float = START_TIMEOUT_S) -> RunningServer:
        try:
            super().start(timeout_s)
        except ServerStartError as exc:
            pytest.fail(str(exc))
        return self

    def stop(self, timeout_s: float = 60.0) -> int:
        code = super().stop(timeout_s)
        if code is None:
            pytest.fail(f"the server ignored SIGTERM for {timeout_s:g} s:\n{self.log_tail()}")
        return code

    @contextmanager
    def serving(self) -> Iterator[RunningServer]:
        """Started for the ``with`` block; after it, stopped, and it must have exited 0 and
        left no container: a test module's server fixture is ``with ... as s: yield s``."""
        self.start()
        yield self
        assert 0 == self.stop(), self.log_tail()
        assert [] == self.containers()

    def containers(self) -> list[str]:
        """Ids of every container (running or not) carrying this server's instance label."""
        client = docker.from_env()
        try:
            # Low-level list: containers.list() inspects each, racing with their removal.
            found = client.api.containers(all=True, filters={"label": f"{LABEL_INSTANCE}={self.instance}"})
            return [entry["Id"] for entry in found]
        finally:
            client.close()

    def busy_containers(self) -> list[str]:
        """Ids of this server's containers that run a submission's processes now."""
        client = docker.from_env()
        try:
            return [container for container in self.containers() if not _idle(client, container)]
        finally:
            client.close()

    def leftovers(self) -> list[str]:
        """Ids of this server's containers that are not idle serving ones: in the default
        (namespaces) isolation the serving pools' containers live on by design, and every
        other container (a single-use one, a serving one still running something) is left
        over once no submission runs."""
        client = docker.from_env()
        try:
            found = client.api.containers(all=True, filters={"label": f"{LABEL_INSTANCE}={self.instance}"})
            return [
                entry["Id"]
                for entry in found
                if not (
                    (entry.get("Labels") or {}).get(LABEL_SERVING) == "true"
                    and entry.get("State") == "running"
                    and _idle(client, entry["Id"], serving=True)
                )
            ]
        finally:
            client.close()


def _idle(client: docker.DockerClient, container: str, *, serving: bool = False) -> bool:
    """The container runs nothing but its idle processes (one gone meanwhile counts as
    idle); ``serving``: and its supervisor waits for a request (one without is of no use)."""
    try:
        commands = [process[-1] for process in client.api.top(container, ps_args="-o pid,args")["Processes"] or []]
    except docker.errors.APIError:  # removed or stopped meanwhile: it runs nothing
        return not serving
    waiting = any(command.startswith(SERVING_SUPERVISOR) for command in commands)
    return all(command.startswith(IDLE_COMMANDS) for command in commands) and (waiting or not serving)


def wait_until(probe: Callable[[], T | None], timeout_s: float, what: str, interval_s: float = 0.1) -> T:
    """Calls ``probe`` until it returns something other than None or False."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(interval_s)
