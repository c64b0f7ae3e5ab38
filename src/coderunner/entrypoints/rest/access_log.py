"""One structured line per HTTP request: ``http.request``.

Fields: method, route (the path template, e.g. ``/v1/executions/{execution_id}``, or the
path cut to 200 characters when no route matched), status, duration_ms, client, and
execution_id when the request created or read one (a handler sets
``request.state.execution_id``), and api_key_id when the caller's key is known
(``request.state.api_key_id``). 2xx and 3xx are info, 4xx (429 and 499, the client that
went away, included) warning, 5xx error. A request whose handler raised is logged with
status 500 by the error handler's own event and here.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("coderunner.http")

STATE_EXECUTION_ID = "execution_id"
STATE_API_KEY_ID = "api_key_id"


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.monotonic()
        # Shared with every request object made from this scope (Starlette keeps request.state there).
        state: dict[str, Any] = scope.setdefault("state", {})
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, recording_send)
        finally:
            _emit(scope, status, time.monotonic() - started, state.get(STATE_EXECUTION_ID), state.get(STATE_API_KEY_ID))


def _emit(scope: Scope, status: int, elapsed_s: float, execution_id: object, api_key_id: object) -> None:
    route = scope.get("route")
    template = getattr(route, "path", None) or str(scope.get("path", ""))[:200]
    client = scope.get("client")
    fields: dict[str, Any] = {
        "method": scope.get("method", ""),
        "route": template,
        "status": status,
        "duration_ms": round(elapsed_s * 1000, 1),
        "client": client[0] if client else "",
    }
    if execution_id:
        fields["execution_id"] = execution_id
    if api_key_id:
        fields["api_key_id"] = api_key_id
    if status >= 500:
        log.error("http.request", **fields)
    elif status >= 400:
        log.warning("http.request", **fields)
    else:
        log.info("http.request", **fields)
