"""A real HTTP server on 127.0.0.1 that records every request: the far end of event and webhook tests.

It answers from a script (``answers``: status codes, then 204 forever) and can be started,
stopped and started again on the same port, to play an endpoint that goes away.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from private_server import free_port


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    at: float  # time.monotonic() when it arrived


class HttpReceiver:
    """``start()``; ``url``; ``requests``; ``wait_for(n)``; ``stop()``. ``answers`` are consumed in order."""

    def __init__(self, answers: list[int] | None = None, redirect_to: str = "") -> None:
        self.answers = list(answers or [])
        self.redirect_to = redirect_to
        self.requests: list[Received] = []
        self.port = free_port()
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HttpReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver._lock:
                    received = Received(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic()
                    )
                    receiver.requests.append(received)
                    status = receiver.answers.pop(0) if receiver.answers else 204
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("location", receiver.redirect_to)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout_s: float = 60) -> list[Received]:
        """The first ``count`` requests, once that many have arrived (AssertionError after ``timeout_s``)."""
        deadline = time.monotonic() + timeout_s
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.requests)} requests arrived within {timeout_s:g} s, not {count}")
            time.sleep(0.02)
        return self.requests[:count]
