"""One `docker exec` with stdin, a deadline and a bound on what we read back.

The docker SDK's exec helpers either cannot send stdin or read everything into memory;
this talks to the hijacked exec socket directly: write the stdin bytes, half-close,
then read the multiplexed frames until EOF, the deadline, or the byte bound.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Any

import docker

STDOUT, STDERR = 1, 2
# How long an exec whose stream ended may still read as running before it counts as cut off.
EXIT_SETTLE_S = 2.0


@dataclass(frozen=True)
class ExecResult:
    stdout: bytes
    stderr: bytes
    exit_code: int | None  # None when the exec did not finish (deadline or bound hit)
    deadline_hit: bool
    overflow: bool


def run_exec(
    client: docker.DockerClient,
    container_id: str,
    argv: list[str],
    *,
    user: str,
    workdir: str,
    stdin: bytes | None,
    deadline: float,
    max_bytes: int,
) -> ExecResult:
    """Runs ``argv`` in the container; stops reading at ``deadline`` (time.monotonic())."""
    api = client.api
    exec_id = api.exec_create(
        container_id, argv, stdin=stdin is not None, stdout=True, stderr=True, user=user, workdir=workdir
    )["Id"]
    response: Any = api.exec_start(exec_id, socket=True)
    sock: socket.socket = getattr(response, "_sock", response)
    out, err = bytearray(), bytearray()
    deadline_hit = overflow = False
    try:
        if stdin is not None:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            sock.sendall(stdin)
            sock.shutdown(socket.SHUT_WR)
        reader = FrameReader(sock)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                deadline_hit = True
                break
            sock.settimeout(remaining)
            try:
                frame = reader.next_frame()
            except TimeoutError:
                deadline_hit = True
                break
            if frame is None:
                break
            stream, payload = frame
            (out if stream == STDOUT else err).extend(payload)
            if len(out) + len(err) > max_bytes:
                overflow = True
                break
    finally:
        # Both: a socket with an open SocketIO wrapper is only really closed once both are.
        response.close()
        sock.close()
    exit_code = None
    if not (deadline_hit or overflow):
        exit_code = _exit_code(api, exec_id, min(deadline, time.monotonic() + EXIT_SETTLE_S))
    return ExecResult(bytes(out), bytes(err), exit_code, deadline_hit, overflow)


def _exit_code(api: Any, exec_id: str, until: float) -> int | None:
    """The exec's exit code; None when it still runs at ``until`` (its stream was cut).

    The engine ends the stream when the process's output closes and records the exit a
    moment later: right after the end of the stream the exec can still read as running.
    """
    while True:
        state = api.exec_inspect(exec_id)
        if not state.get("Running"):
            code = state.get("ExitCode")
            return int(code) if code is not None else None
        if time.monotonic() >= until:
            return None
        time.sleep(0.01)


class FrameReader:
    """Docker's multiplexed stream: 8-byte header (stream, 0, 0, 0, big-endian size), payload."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def next_frame(self) -> tuple[int, bytes] | None:
        header = self._read_exactly(8)
        if header is None:
            return None
        size = int.from_bytes(header[4:8], "big")
        payload = self._read_exactly(size) if size else b""
        if payload is None:
            return None
        return header[0], payload

    def _read_exactly(self, size: int) -> bytes | None:
        chunks = bytearray()
        while len(chunks) < size:
            chunk = self._sock.recv(min(size - len(chunks), 1 << 16))
            if not chunk:
                return None
            chunks.extend(chunk)
        return bytes(chunks)
