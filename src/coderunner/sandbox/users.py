"""UIDs of concurrent sandboxes: distinct, unprivileged, and no host account's."""

from __future__ import annotations

import threading

from coderunner.errors import SandboxFailure
from coderunner.sandbox.hardening import SandboxUsers


class UidAllocator:
    """Hands each live sandbox its own pair of UIDs from ``[base, base + 2 * slots)``.

    Distinct UIDs keep the kernel's per-user limits (inotify instances, user watches,
    RLIMIT_NPROC) from being shared between two sandboxes running at the same time.
    """

    def __init__(self, base: int, slots: int) -> None:
        self._base = base
        self._slots = slots
        self._free = list(range(slots))
        self._lock = threading.Lock()

    def acquire(self) -> SandboxUsers:
        with self._lock:
            if not self._free:
                raise SandboxFailure(f"all {self._slots} sandbox UID pairs are in use")
            slot = self._free.pop(0)
        builder = self._base + 2 * slot
        return SandboxUsers(builder=builder, runner=builder + 1)

    def release(self, users: SandboxUsers) -> None:
        with self._lock:
            self._free.append((users.builder - self._base) // 2)
