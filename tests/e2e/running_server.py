"""A real coderunner server in a subprocess, for the end-to-end tests.

``python -m coderunner.entrypoints.server`` with ports 0; the bound ports are read back
from the file named by CODERUNNER_PORTS_FILE. Every server gets its own instance name,
so its sandboxes can be found (and must be gone) by the instance label. Fixtures that
start one also request ``docker_client`` (tests/conftest.py): no engine is a skip, or a
failure under CI.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import docker
import pytest

from coderunner.sandbox.hardening import LABEL_INSTANCE

T = TypeVar("T")
START_TIMEOUT_S = 120.0
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


class RunningServer:
    """One server process. ``start`` waits until both ports listen."""

    def __init__(self, folder: Path, database: str, instance: str | None = None, **settings: object) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        # Starts with the suite's label prefix (tests/conftest.py), whose session check removes and reports leftovers.
        self.instance = instance or f"test-{os.getpid()}-e2e-{uuid.uuid4().hex[:10]}"
        self.env = {
            **os.environ,
            "CODERUNNER_DATABASE_URL": database,
            "CODERUNNER_INSTANCE_NAME": self.instance,
            "CODERUNNER_HOST": "127.0.0.1",
            "CODERUNNER_HTTP_PORT": "0",
            "CODERUNNER_GRPC_PORT": "0",
            "CODERUNNER_LOG_FORMAT": "json",
            # These tests count a server's containers to prove none outlives its execution;
            # warm containers would be counted too. The pool has its own tests
            # (tests/integration/sandbox/test_sandbox_pool.py, and a server with a pool below).
            "CODERUNNER_WARM_POOL_SIZE": "0",
            **{f"CODERUNNER_{key.upper()}": str(value) for key, value in settings.items()},
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.http_port = 0
        self.grpc_port = 0
        self._starts = 0

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def log_path(self) -> Path:
        return self.folder / f"server-{self._starts}.log"

    def start(self) -> RunningServer:
        self._starts += 1
        ports_file = self.folder / f"ports-{self._starts}.json"
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "coderunner.entrypoints.server"],
            env={**self.env, "CODERUNNER_PORTS_FILE": str(ports_file)},
            cwd=self.folder,  # no stray .env is read
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ports_file.exists():
            if self.process.poll() is not None:
                pytest.fail(f"the server exited with {self.process.returncode} at start-up:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"the server did not listen within {START_TIMEOUT_S:g} s:\n{self.log_tail()}")
            time.sleep(0.05)
        ports = json.loads(ports_file.read_text())
        self.http_port, self.grpc_port = ports["http"], ports["grpc"]
        return self

    def stop(self, timeout_s: float = 60.0) -> int:
        """SIGTERM and wait for a graceful exit; returns the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                pytest.fail(f"the server ignored SIGTERM for {timeout_s:g} s:\n{self.log_tail()}")
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind happens in the server."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def containers(self) -> list[str]:
        """Ids of every container (running or not) carrying this server's instance label."""
        client = docker.from_env()
        try:
            # Low-level list: containers.list() inspects each, racing with their removal.
            found = client.api.containers(all=True, filters={"label": f"{LABEL_INSTANCE}={self.instance}"})
            return [entry["Id"] for entry in found]
        finally:
            client.close()


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
