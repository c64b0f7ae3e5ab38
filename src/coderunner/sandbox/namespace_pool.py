"""Long-lived sandbox containers that each serve many submissions, one at a time.

Unlike the single-use WarmPool, a container taken from here comes back after its
submission and serves the next one, in fresh namespaces (crsup --serve). It is recycled
instead (removed in the background, and replaced) after ``recycle_after`` submissions or
whenever its last one did not end cleanly. A background thread keeps ``size`` of them
alive; a submission that finds none idle starts one itself, and at most ``keep`` are
kept afterwards.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from docker.models.containers import Container

from coderunner.domain.sandbox_job import StepLimits
from coderunner.sandbox.hardening import SandboxUsers
from coderunner.sandbox.supervisor_stream import SupervisorStream

log = structlog.get_logger("coderunner.pool")


@dataclass
class ServingContainer:
    """A started container with its supervisor's stream open. ``users`` are the
    container's own (PID 1, the idle workspace); each submission gets a pair of its own."""

    container: Container
    users: SandboxUsers
    image_id: str
    stream: SupervisorStream
    limits: StepLimits  # what its memory and CPU limits are set to now
    served: int = 0


class ServingPool:
    """Serving containers of one image. ``make`` starts one (full security settings);
    ``recycle`` removes one off the caller's path (and frees its UIDs, then runs its callback);
    ``on_ready`` hears how many wait idle whenever that changes (the warm-pool gauge)."""

    def __init__(
        self,
        make: Callable[[], ServingContainer],
        recycle: Callable[[ServingContainer, Callable[[], None] | None], None],
        *,
        size: int,
        keep: int,
        on_ready: Callable[[int], None] = lambda _ready: None,
    ) -> None:
        self._make = make
        self._on_ready = on_ready
        self._recycle = recycle
        self._size = size
        self._keep = max(size, keep)
        self._idle: deque[ServingContainer] = deque()
        self._live = 0  # idle + serving, those being started by the refill thread included
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._refill_forever, name="coderunner-serving-pool", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._wanted.set()

    def take(self) -> ServingContainer | None:
        """An idle container, or None (the caller starts one with ``make_now``)."""
        with self._lock:
            serving = self._idle.popleft() if self._idle else None
            ready = len(self._idle)
        self._on_ready(ready)
        return serving

    def make_now(self, make: Callable[[], ServingContainer] | None = None) -> ServingContainer:
        """Starts a container for the caller (with ``make`` when given, else as the pool
        does), counted as live."""
        with self._lock:  # counted from now: the refill thread must not start one for it too
            self._live += 1
        try:
            return (make or self._make)()
        except BaseException:
            self.forget()
            raise

    def give_back(self, serving: ServingContainer) -> None:
        """Returns a container whose last submission ended cleanly."""
        with self._lock:
            keep = not self._closed.is_set() and len(self._idle) < self._keep and self._live <= self._keep
            if keep:
                self._idle.append(serving)
            ready = len(self._idle)
        self._on_ready(ready)
        if not keep:
            self.recycle(serving)

    def recycle(self, serving: ServingContainer, then: Callable[[], None] | None = None) -> None:
        """Removes ``serving`` in the background (``then`` runs once it is gone) and starts a replacement."""
        with self._lock:
            self._live -= 1
        self._recycle(serving, then)
        self._wanted.set()

    def forget(self) -> None:
        """A live container is gone some other way (its caller was cancelled)."""
        with self._lock:
            self._live -= 1
        self._wanted.set()

    def close(self) -> None:
        """Stops refilling and recycles every idle container; busy ones go when given back."""
        self._closed.set()
        self._wanted.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        self.discard_all()

    def discard_all(self) -> None:
        """Recycles every idle container (their state is unknown, e.g. the engine was away)."""
        with self._lock:
            stale = list(self._idle)
            self._idle.clear()
        self._on_ready(0)
        for serving in stale:
            self.recycle(serving)

    @property
    def ready(self) -> int:
        return len(self._idle)

    def _refill_forever(self) -> None:
        while not self._closed.is_set():
            self._wanted.wait()
            self._wanted.clear()
            while not self._closed.is_set():
                with self._lock:
                    if self._live >= self._size:
                        break
                    self._live += 1
                try:
                    serving = self._make()
                except Exception as exc:  # the engine hiccupped: submissions start their own meanwhile
                    with self._lock:
                        self._live -= 1
                    log.warning("pool.refill_failed", error=str(exc))
                    self._closed.wait(1.0)
                    self._wanted.set()
                    break
                with self._lock:
                    closed = self._closed.is_set()
                    if not closed:
                        self._idle.append(serving)
                    ready = len(self._idle)
                self._on_ready(ready)
                if closed:
                    self.recycle(serving)
