"""The real coderunner server in a subprocess, and its memory while the bench runs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from types import TracebackType

START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 60.0
SAMPLE_EVERY_S = 0.05


class ServerProcess:
    """``python -m coderunner serve`` on free ports (port 0, read back from the ports file),
    with a temporary SQLite database and a unique instance name; stopped with SIGTERM.

    Use it as a context manager; on exit the temporary folder is removed and the
    server's log is copied to ``log_copy`` first.
    """

    def __init__(self, log_copy: Path | None = None, extra_env: dict[str, str] | None = None) -> None:
        self._log_copy = log_copy
        self.folder = Path(tempfile.mkdtemp(prefix="coderunner-bench-server-"))
        self.instance = f"bench-{uuid.uuid4().hex[:10]}"
        self.log_path = self.folder / "server.log"
        self.env = {
            **os.environ,
            "CODERUNNER_DATABASE_URL": f"sqlite:///{self.folder / 'coderunner.db'}",
            "CODERUNNER_INSTANCE_NAME": self.instance,
            "CODERUNNER_HOST": "127.0.0.1",
            "CODERUNNER_HTTP_PORT": "0",
            "CODERUNNER_GRPC_PORT": "0",
            "CODERUNNER_LOG_FORMAT": "json",
            "CODERUNNER_PORTS_FILE": str(self.folder / "ports.json"),
            **(extra_env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.http_port = 0
        self.grpc_port = 0

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

    def __enter__(self) -> ServerProcess:
        ports_file = Path(self.env["CODERUNNER_PORTS_FILE"])
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "coderunner", "serve"],
                env=self.env,
                cwd=self.folder,  # no stray .env is read
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ports_file.exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(f"the server did not listen within {START_TIMEOUT_S:g} s:\n{self.log_tail()}")
            time.sleep(0.05)
        ports = json.loads(ports_file.read_text())
        self.http_port, self.grpc_port = int(ports["http"]), int(ports["grpc"])
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            self._stop()
        finally:
            if self._log_copy is not None and self.log_path.exists():
                shutil.copyfile(self.log_path, self._log_copy)
            shutil.rmtree(self.folder, ignore_errors=True)

    def _stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class RssSampler:
    """Samples the resident memory of a process and its descendants every 50 ms.

    ``peak_mb`` is the largest of: the sampled sum over the process tree, and the
    kernel's own high-water mark of the main process (VmHWM, which sampling cannot miss).
    """

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._peak_tree_kb = 0
        self._hwm_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-rss", daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.sample()
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return max(self._peak_tree_kb, self._hwm_kb) / 1024

    def to_json(self) -> dict[str, float]:
        return {
            "peak_mb": self.peak_mb,
            "tree_rss_peak_mb": self._peak_tree_kb / 1024,
            "vm_hwm_mb": self._hwm_kb / 1024,
        }

    def sample(self) -> None:
        tree = _descendants(self._pid)
        total = sum(_status_kb(pid, "VmRSS") for pid in tree)
        self._peak_tree_kb = max(self._peak_tree_kb, total)
        self._hwm_kb = max(self._hwm_kb, _status_kb(self._pid, "VmHWM"))

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            self.sample()


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in _listdir(f"/proc/{current}/task"):
            try:
                todo += [int(child) for child in Path(f"/proc/{current}/task/{task}/children").read_text().split()]
            except OSError:
                continue
    return found


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0
