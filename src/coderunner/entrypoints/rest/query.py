"""Empty query parameters mean "not given".

``GET /v1/executions?student_id=&status=&limit=`` (a form submitted with empty fields,
or the README's own template) filters by nothing and pages by the defaults, instead of
failing on ``limit=""``. A pure ASGI middleware that drops every ``name=`` and bare
``name`` from the query string before routing.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class EmptyQueryParams:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query: bytes = scope.get("query_string", b"")
        if scope["type"] == "http" and query:
            kept = [part for part in query.split(b"&") if part.partition(b"=")[2]]
            scope = {**scope, "query_string": b"&".join(kept)}
        await self._app(scope, receive, send)
