"""The stream to a container's serving supervisor, held open across submissions.

One ``docker exec`` per container (not per submission) starts ``crsup --serve``; its
hijacked socket stays open, and each submission is one request written to it and one
reply read back (session_protocol.py), with a deadline and a bound on what is read.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Any

import docker

from coderunner.domain.sandbox_job import WORKSPACE
from coderunner.sandbox.exec_stream import STDOUT, FrameReader
from coderunner.sandbox.hardening import ROOT
from coderunner.sandbox.session_protocol import ReplyDecoder

STDERR_KEPT = 4096


@dataclass(frozen=True)
class Exchange:
    session: bytes  # the session's report, as far as it came
    status: int | None  # how the session ended; None when the reply did not end
    deadline_hit: bool
    overflow: bool
    stderr: bytes  # the supervisor's own complaints (the steps' stderr is in the report)
    accepted: bool  # the supervisor acknowledged the whole request (nothing of it ran before)

    @property
    def clean(self) -> bool:
        """The session ended normally and the supervisor can take another submission."""
        return self.status == 0 and not (self.deadline_hit or self.overflow)

    @property
    def never_taken(self) -> bool:
        """The reply ended without the supervisor's acknowledgement, however it ended (EOF,
        a broken connection, or anything but the ``A`` line first): the container was gone
        (it died while idle) or its supervisor refused the request. crsup acknowledges
        before it forks the session, so nothing of the request ran. Not after a deadline
        or an overflow: those end the exchange from this side."""
        return not (self.accepted or self.deadline_hit or self.overflow)


class SupervisorStream:
    """``crsup --serve`` in ``container_id``, run as root (it holds the container's three
    capabilities) and fed one submission at a time. Not thread-safe: one user at a time."""

    def __init__(self, client: docker.DockerClient, container_id: str, argv: list[str]) -> None:
        api = client.api
        exec_id = api.exec_create(
            container_id, argv, stdin=True, stdout=True, stderr=True, user=ROOT, workdir=WORKSPACE
        )
        response: Any = api.exec_start(exec_id["Id"], socket=True)
        self._response = response
        self._sock: socket.socket = getattr(response, "_sock", response)
        self._reader = FrameReader(self._sock)

    def exchange(self, request: bytes, *, deadline: float, max_bytes: int) -> Exchange:
        """Sends ``request`` and reads its reply until it ends, ``deadline`` (time.monotonic())
        passes, the supervisor's output ends, or more than ``max_bytes`` came."""
        decoder = ReplyDecoder()
        stderr = bytearray()
        deadline_hit = overflow = False
        received = 0
        try:
            self._sock.settimeout(max(0.1, deadline - time.monotonic()))
            self._sock.sendall(request)
            while not decoder.done:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    deadline_hit = True
                    break
                self._sock.settimeout(remaining)
                frame = self._reader.next_frame()
                if frame is None:  # the stream ended (EOF) before the reply did
                    break
                stream, payload = frame
                received += len(payload)
                if stream == STDOUT:
                    decoder.feed(payload)
                else:
                    stderr += payload[: STDERR_KEPT - len(stderr)]
                if received > max_bytes:
                    overflow = True
                    break
        except TimeoutError:
            deadline_hit = True
        except OSError:  # the container went away under us (a broken pipe, a reset): the reply did not end
            pass
        status = None if decoder.malformed else decoder.status
        return Exchange(decoder.session(), status, deadline_hit, overflow, bytes(stderr), decoder.accepted)

    def close(self) -> None:
        # Both: a socket with an open SocketIO wrapper is only really closed once both are.
        self._response.close()
        self._sock.close()
