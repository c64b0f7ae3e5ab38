"""A Redis server of the test's own, which it may stop, kill and start again at will.

The Redis the suite shares (scripts/start-redis.sh) must never be stopped. This one lives
in a temporary folder, listens on a free port of 127.0.0.1 and keeps an append-only file,
so a restart finds what was written before it, as a production broker with persistence on.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from private_server import free_port, log_tail


class PrivateRedis:
    """``start()``, ``stop()`` or ``kill()``, ``start()`` again (same port, same data), then ``destroy()``."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: run scripts/start-redis.sh")
        self.binary = binary
        self.folder = Path(tempfile.mkdtemp(prefix="coderunner-redis-"))
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder)]
        command += ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
        with (self.folder / "server.log").open("ab") as log:  # the child keeps its own descriptor
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._answers():
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}:\n{self.log_tail()}")

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): Redis flushes its append-only file first."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """The broker host dying: SIGKILL, nothing flushed beyond what ``appendfsync always`` wrote."""
        self._end(signal.SIGKILL)

    def destroy(self) -> None:
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    def log_tail(self) -> str:
        return log_tail(self.folder / "server.log")

    def _end(self, how: signal.Signals) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(how)
            self._process.wait(timeout=30)
        self._process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False
