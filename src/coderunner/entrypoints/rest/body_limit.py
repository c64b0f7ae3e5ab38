"""Reads request bodies before the application: at most ``max_bytes``, within a read timeout.

A pure ASGI middleware. It reads the whole body, then replays it to the application and
hands every later ``receive`` (the disconnect) through, so a handler can still notice a
client that went away. It answers by itself when the body cannot be had:

* larger than ``max_bytes`` (declared or counted): 413. The connection stays open, so
  the server reads and discards the rest of the body and the client gets to read the
  answer; closing with unread data would make the kernel reset the connection and the
  client would see a reset instead of the 413. Only a declared length past
  ``max_bytes * DRAIN_FACTOR`` is answered and closed at once: not worth reading.
* no new bytes for ``read_timeout_s``: 408, and the connection is closed, so a client
  that sent half a body does not hold a connection (or the server's exit) for ever.
* the server is stopping (``stopping`` set) while the body is still coming: 503.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coderunner.entrypoints.rest.problems import send_problem

DRAIN_FACTOR = 16
BODILESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class BodyLimit:
    def __init__(
        self, app: ASGIApp, max_bytes: int, read_timeout_s: float = 10.0, stopping: asyncio.Event | None = None
    ) -> None:
        self._app = app
        self._max = max_bytes
        self._read_timeout_s = read_timeout_s
        self._stopping = stopping or asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in BODILESS:
            await self._app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max:
            await self._too_large(send, close=int(declared) > self._max * DRAIN_FACTOR)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await self._next(receive)
            if message is None:
                if self._stopping.is_set():
                    await send_problem(send, 503, "the server is shutting down; the request was not read", close=True)
                else:
                    detail = f"no part of the request body arrived for {self._read_timeout_s:g} s"
                    await send_problem(send, 408, detail, close=True)
                return
            if message["type"] != "http.request":
                # The client left before sending everything: nobody to answer.
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self._max:
                await self._too_large(send, close=False)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self._app(scope, replay, send)

    async def _next(self, receive: Receive) -> Message | None:
        """The next message, or None when the read timeout passes or the server stops first."""
        receiving = asyncio.ensure_future(receive())
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({receiving, stopping}, timeout=self._read_timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (receiving, stopping):
                if not waiter.done():
                    waiter.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await waiter
        return receiving.result() if receiving.done() and not receiving.cancelled() else None

    async def _too_large(self, send: Send, *, close: bool) -> None:
        await send_problem(send, 413, f"the request body is larger than {self._max} bytes", close=close)
