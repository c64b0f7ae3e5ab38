"""The real coderunner server in a subprocess, and its memory while the bench runs."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import uuid
from pathlib import Path
from types import TracebackType

from coderunner.entrypoints.server_process import WORKER_MODULE, ServerProcess

START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 60.0
SAMPLE_EVERY_S = 0.05


class BenchServer(ServerProcess):
    """The real server on free ports, with a temporary SQLite database and a unique
    instance name, as a context manager: started on entry, stopped with SIGTERM on exit,
    then its log is copied to ``log_copy`` and its temporary folder removed."""

    def __init__(
        self,
        log_copy: Path | None = None,
        extra_env: dict[str, str] | None = None,
        *,
        database_url: str | None = None,
        module: str | None = None,
    ) -> None:
        self._log_copy = log_copy
        folder = Path(tempfile.mkdtemp(prefix="coderunner-bench-server-"))
        self.instance = f"bench-{uuid.uuid4().hex[:10]}"
        database = database_url or f"sqlite:///{folder / 'coderunner.db'}"
        super().__init__(folder, {"database_url": database, "instance_name": self.instance})
        if module is not None:
            self.module = module
        self.env.update(extra_env or {})

    def __enter__(self) -> BenchServer:
        self.start(START_TIMEOUT_S)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if self.process is not None:
                self.stop(STOP_TIMEOUT_S)
        finally:
            if self._log_copy is not None and self.log_path.exists():
                self._log_copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(self.log_path, self._log_copy)
            shutil.rmtree(self.folder, ignore_errors=True)


class BenchCluster:
    """Scale-out on one machine: one API node and ``workers`` workers on one broker and
    one database (a SQLite file of its own unless ``database_url``), each worker with its
    own instance name and UID range and an equal share of the CPUs as slots. Started on
    entry, stopped (workers drain) on exit; logs are copied next to ``log_copy``."""

    def __init__(
        self, broker_url: str, log_copy: Path, extra_env: dict[str, str], *, workers: int, database_url: str | None
    ) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="coderunner-bench-cluster-"))
        database = database_url or f"sqlite:///{self._folder / 'coderunner.db'}"
        common = {"CODERUNNER_BROKER_URL": broker_url, **extra_env}
        slots = str(max(1, (os.cpu_count() or 1) // workers))
        self.workers = [
            BenchServer(
                log_copy.with_name(f"{log_copy.stem}-worker{n}.log"),
                {"CODERUNNER_SLOTS": slots, "CODERUNNER_UID_BASE": str(700_000 + 100_000 * n), **common},
                database_url=database,
                module=WORKER_MODULE,
            )
            for n in range(1, workers + 1)
        ]
        self.api = BenchServer(log_copy, common, database_url=database)

    def __enter__(self) -> BenchCluster:
        with contextlib.ExitStack() as stack:
            stack.callback(shutil.rmtree, self._folder, ignore_errors=True)
            for worker in self.workers:  # workers first: an API node refuses a language no worker takes
                stack.enter_context(worker)
            stack.enter_context(self.api)
            # Every process is stopped on exit, even when stopping another one failed: a
            # worker left running would take (and drop) the next run's evaluations.
            self._stack = stack.pop_all()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stack.__exit__(kind, exc, tb)


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
