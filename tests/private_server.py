"""What the servers a test runs for itself share (tests/private_redis.py,
tests/e2e/faults/private_postgres.py, tests/http_receiver.py): a free port to listen
on, and the end of a log to show when one misbehaves."""

from __future__ import annotations

import socket
from pathlib import Path


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def log_tail(log: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of ``log``, or ``(no log)``."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
