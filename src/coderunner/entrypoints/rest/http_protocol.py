"""uvicorn's h11 protocol with a read timeout on request heads.

uvicorn closes idle keep-alive connections, but a connection that sent part of a request
head and then nothing is kept for ever (and at shutdown, closed only then). Here such a
connection is closed once its head has been incomplete for ``head_timeout_s``. A stalled
request *body* is the ASGI app's to answer (``BodyLimit`` answers 408).
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class TimedH11Protocol(H11Protocol):
    head_timeout_s = 10.0
    _head_timer: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        partial_head = self.conn.their_state is h11.IDLE and bool(self.conn.trailing_data[0])
        if partial_head and self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_timed_out)
        elif not partial_head:
            self._cancel_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        # h11 cannot answer a request it has not read; closing is the only answer.
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.logger.warning("closing a connection whose request head stalled for %.0f s", self.head_timeout_s)
            self.transport.close()

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None


def timed_h11(head_timeout_s: float) -> type[TimedH11Protocol]:
    """``TimedH11Protocol`` with its timeout set, for ``uvicorn.Config(http=...)``."""
    return type("TimedH11Protocol", (TimedH11Protocol,), {"head_timeout_s": head_timeout_s})
