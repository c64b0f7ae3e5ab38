"""Containers the engine could not remove when asked, removed as soon as it answers again.

A sandbox is removed by name when its job ends. When the engine is unreachable at that
moment (or a create was cut off, so that the container may or may not exist), the name is
handed to the ``Reaper``: a background thread retries the removal with exponential
backoff until the engine confirms it (a container that does not exist counts as removed),
then runs the callback given with it (e.g. freeing its UIDs, which must not be reused
while the container may still run).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog

from coderunner.errors import InfrastructureError

log = structlog.get_logger("coderunner.reaper")

Remove = Callable[[str], None]
"""Removes the named container (force, with its volumes); a missing one is not an error.
Raises ``InfrastructureError`` when the engine cannot be asked."""


class Reaper:
    """Keeps retrying ``remove(name)`` for every name it is given until it succeeds."""

    def __init__(self, remove: Remove, *, first_delay_s: float = 0.25, max_delay_s: float = 5.0) -> None:
        self._remove = remove
        self._first_delay_s = first_delay_s
        self._max_delay_s = max_delay_s
        self._waiting: dict[str, Callable[[], None] | None] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def waiting(self) -> list[str]:
        """Names not confirmed removed yet."""
        with self._lock:
            return list(self._waiting)

    def add(self, name: str, then: Callable[[], None] | None = None) -> None:
        """Removes ``name`` in the background; ``then()`` runs once it is gone. Once closed
        (a job that ended after the shutdown's clean-up), one try at once instead: no
        thread is left to retry, and what that try leaves the next start removes."""
        with self._lock:
            self._waiting[name] = then
            closed = self._closed.is_set()
            if not closed and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="coderunner-reaper", daemon=True)
                self._thread.start()
        if closed:
            self.sweep()
            self._report_left()
        else:
            self._wake.set()

    def close(self, timeout_s: float) -> list[str]:
        """Stops the thread after one last try of up to ``timeout_s``; returns (and logs) the names
        still there, which the next start's label reaping removes."""
        self._closed.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        deadline = time.monotonic() + timeout_s
        while not self.sweep() and time.monotonic() < deadline:
            time.sleep(self._first_delay_s)
        return self._report_left()

    def _report_left(self) -> list[str]:
        left = self.waiting
        if left:
            log.error("reaper.left_at_close", containers=left, hint="the next start removes them by label")
        return left

    def sweep(self) -> bool:
        """One removal attempt for each waiting name; True when none is left. Stops at the
        first failure: the engine is still away."""
        for name in self.waiting:
            try:
                self._remove(name)
            except InfrastructureError as exc:
                log.info("reaper.engine_away", container=name, error=str(exc))
                return False
            with self._lock:
                then = self._waiting.pop(name, None)
            log.info("reaper.removed", container=name)
            if then is not None:
                then()
        return not self.waiting

    def _run(self) -> None:
        delay = self._first_delay_s
        while not self._closed.is_set():
            self._wake.wait(delay)
            self._wake.clear()
            if self._closed.is_set():
                return
            if self.sweep():
                delay = self._first_delay_s
                self._wake.wait()  # until the next add (or close)
            else:
                delay = min(delay * 2, self._max_delay_s)
