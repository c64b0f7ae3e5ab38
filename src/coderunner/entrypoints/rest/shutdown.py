"""A request the server cancels gets the documented 503, not the HTTP server's bare 500.

uvicorn cancels the requests still running when its shutdown grace ends, and answers
``500 text/plain`` for those that had not started answering. This middleware answers
them first: ``503 application/problem+json`` "the server is shutting down". (uvicorn
cancels request tasks only then, never when a client leaves.)
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coderunner.entrypoints.rest.problems import send_problem


class AnswerWhenCancelled:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, receive, tracking_send)
        except asyncio.CancelledError:
            if not started:
                await send_problem(send, 503, "the server is shutting down; the request was cancelled", close=True)
            raise
