"""The real server in a subprocess: what the end-to-end tests and `make bench` drive.

``python -m coderunner.entrypoints.server`` on ports 0; the bound ports are read back
from the file named by CODERUNNER_PORTS_FILE, so any number of servers can run at once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

START_TIMEOUT_S = 120.0
SERVER_MODULE = "coderunner.entrypoints.server"
WORKER_MODULE = "coderunner.entrypoints.worker"  # a worker listens on no port: its ports stay 0


class ServerStartError(RuntimeError):
    """The server exited or did not listen in time; the message ends with its log."""


class ServerProcess:
    """One server process; ``settings`` become CODERUNNER_* variables on top of the environment.

    >>> ServerProcess(Path("/tmp/x"), {"slots": 2}).env["CODERUNNER_SLOTS"]
    '2'
    """

    def __init__(self, folder: Path, settings: Mapping[str, object], module: str = SERVER_MODULE) -> None:
        self.folder = folder
        self.module = module
        self.env = {
            **os.environ,
            "CODERUNNER_HOST": "127.0.0.1",
            "CODERUNNER_HTTP_PORT": "0",
            "CODERUNNER_GRPC_PORT": "0",
            "CODERUNNER_LOG_FORMAT": "json",
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
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def log_path(self) -> Path:
        return self.folder / f"server-{self._starts}.log"

    def start(self, timeout_s: float = START_TIMEOUT_S) -> ServerProcess:
        """Starts the server (again, after a stop or kill) and waits until both ports listen."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._starts += 1
        ports_file = self.folder / f"ports-{self._starts}.json"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module],
                env={**self.env, "CODERUNNER_PORTS_FILE": str(ports_file)},
                cwd=self.folder,  # no stray .env is read
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + timeout_s
        while not ports_file.exists():
            if self.process.poll() is not None:
                raise ServerStartError(f"the server exited with {self.process.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.kill()
                raise ServerStartError(f"the server did not listen within {timeout_s:g} s:\n{self.log_tail()}")
            time.sleep(0.05)
        ports = json.loads(ports_file.read_text())
        self.http_port, self.grpc_port = int(ports.get("http", 0)), int(ports.get("grpc", 0))
        return self

    def stop(self, timeout_s: float = 60.0) -> int | None:
        """SIGTERM and wait for a graceful exit: its exit code, or None when it had to be killed."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
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
