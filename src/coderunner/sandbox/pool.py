"""Pre-warmed, single-use containers.

Creating and starting a hardened container costs a few hundred milliseconds of engine
time; the pool pays it ahead, in a background thread, so a submission finds a started
container waiting. Each container serves exactly one submission and is then removed
(by the sandbox), so no state passes from one submission to the next; the pool only
ever hands out containers that nothing has run in yet.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from docker.models.containers import Container

from coderunner.sandbox.hardening import SandboxUsers

log = structlog.get_logger("coderunner.pool")


@dataclass(frozen=True)
class WarmContainer:
    container: Container
    users: SandboxUsers
    image_id: str


class WarmPool:
    """Keeps up to ``size`` started containers of one image ready.

    ``make`` creates and starts one (with the full security settings); ``discard``
    removes one and frees its UIDs. ``take`` never blocks: when the pool is empty the
    caller starts a container itself. ``on_ready`` hears how many wait whenever that changes.
    """

    def __init__(
        self,
        make: Callable[[], WarmContainer],
        discard: Callable[[WarmContainer], None],
        size: int,
        on_ready: Callable[[int], None] = lambda _ready: None,
    ) -> None:
        self._make = make
        self._discard = discard
        self._on_ready = on_ready
        self._size = size
        self._ready: deque[WarmContainer] = deque()
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._refill_forever, name="coderunner-warm-pool", daemon=True)

    def start(self) -> None:
        if self._size > 0:
            self._thread.start()
            self._wanted.set()

    def take(self) -> WarmContainer | None:
        with self._lock:
            warm = self._ready.popleft() if self._ready else None
            ready = len(self._ready)
        self._on_ready(ready)
        self._wanted.set()
        return warm

    def close(self) -> None:
        """Stops refilling and removes every container still waiting."""
        self._closed.set()
        self._wanted.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        with self._lock:
            leftovers = list(self._ready)
            self._ready.clear()
        self._on_ready(0)
        for warm in leftovers:
            self._discard(warm)

    def discard_all(self) -> None:
        """Discards every container waiting (their state is unknown, e.g. the engine was
        away); the pool refills with new ones."""
        with self._lock:
            stale = list(self._ready)
            self._ready.clear()
        self._on_ready(0)
        for warm in stale:
            self._discard(warm)
        self._wanted.set()

    @property
    def ready(self) -> int:
        return len(self._ready)

    def _refill_forever(self) -> None:
        while not self._closed.is_set():
            self._wanted.wait()
            self._wanted.clear()
            while not self._closed.is_set() and len(self._ready) < self._size:
                try:
                    warm = self._make()
                except Exception as exc:  # the engine hiccupped: submissions start their own meanwhile
                    log.warning("pool.refill_failed", error=str(exc))
                    self._closed.wait(1.0)
                    self._wanted.set()  # try again, rather than wait for the next take
                    break
                with self._lock:
                    if self._closed.is_set():
                        closed = True
                    else:
                        self._ready.append(warm)
                        closed = False
                    ready = len(self._ready)
                self._on_ready(ready)
                if closed:
                    self._discard(warm)
