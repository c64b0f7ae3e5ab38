"""Every error answer of the REST API, from the one table in ``entrypoints.error_codes``.

Body (``application/problem+json``): ``{"error": kind, "field": request field or null,
"detail": why}``. Bad input is a 4xx naming the field; a bug of ours is a bare 500 whose
detail points at the log, never a stack trace. A 429 carries ``Retry-After``, a 405
``Allow``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Route
from starlette.types import Send

from coderunner.entrypoints.error_codes import error_field, retry_after_s, wire_error
from coderunner.entrypoints.rest.schemas import ProblemOut
from coderunner.errors import CoderunnerError

log = structlog.get_logger("coderunner.rest")

MEDIA_TYPE = "application/problem+json"
# Validation error types that mean "this is not JSON at all" rather than "wrong fields".
_MALFORMED = frozenset({"json_invalid", "json_type"})
# The kinds of the HTTP errors that Starlette, FastAPI and our middleware raise.
HTTP_KINDS = {
    400: "malformed_request",
    401: "unauthenticated",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "request_too_large",
    415: "unsupported_media_type",
    503: "unavailable",
}


def problem(
    status: int,
    error: str,
    detail: str,
    field: str | None = None,
    execution_id: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ProblemOut(error=error, field=field, detail=detail, execution_id=execution_id)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=MEDIA_TYPE, headers=headers)


async def send_problem(send: Send, status: int, detail: str, *, close: bool) -> None:
    """Answers an HTTP-level problem from ASGI middleware (where no Response class runs).

    ``close`` asks the server to close the connection after the answer.
    """
    body = ProblemOut(error=HTTP_KINDS.get(status, "http"), detail=detail).model_dump_json(exclude_none=True).encode()
    headers = [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def error_response(exc: CoderunnerError, execution_id: str | None = None) -> JSONResponse:
    row = wire_error(exc)
    detail = str(exc) if row.http_status < 500 or row.name == "unavailable" else "internal error; see the server log"
    headers = None
    if row.http_status == 429:
        headers = {"Retry-After": str(retry_after_s(exc))}
    elif row.http_status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="coderunner"'}
    return problem(row.http_status, row.name, detail, error_field(exc), execution_id, headers)


def field_path(loc: Sequence[int | str]) -> str:
    """``("body", "tests", 2, "input")`` → ``tests[2].input``; ``("query", "limit")`` → ``limit``.

    >>> field_path(("body", "limits", "timeout_s"))
    'limits.timeout_s'
    """
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else list(loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or (str(loc[0]) if loc else "body")


def _validation_response(errors: Sequence[Any]) -> JSONResponse:
    first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request", "type": ""}
    if first.get("type") in _MALFORMED:
        return problem(400, "malformed_request", f"the body is not valid JSON: {first.get('msg', '')}")
    field = field_path(tuple(first.get("loc", ())))
    message = (
        "unknown field: not part of the API, so it cannot be applied (see /docs)"
        if first.get("type") == "extra_forbidden"
        else str(first.get("msg", "invalid"))
    )
    return problem(422, "invalid_submission", f"{field}: {message}", field)


def _parse_failure(exc: StarletteHTTPException) -> str:
    """Why FastAPI could not parse a JSON body (it raises a bare 400 ``from`` the cause)."""
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        return f"the body is not valid UTF-8 (byte {cause.start}); send JSON encoded in UTF-8"
    if isinstance(cause, RecursionError):
        return "the JSON body is nested too deeply"
    return f"the body cannot be parsed as JSON: {exc.detail}"


def _allowed_methods(path: str, routes: Sequence[BaseRoute]) -> str:
    """Every method some route serves on ``path`` (Starlette's own Allow names only the first route's)."""
    methods: set[str] = set()
    for route in routes:
        if isinstance(route, Route) and route.methods and route.path_regex.match(path):
            methods |= route.methods
    return ", ".join(sorted(methods))


def install(app: FastAPI, routes: Sequence[BaseRoute]) -> None:
    """Registers the handlers that turn every exception into a problem answer.

    ``routes`` are the API's routes, for the ``Allow`` header of a 405.
    """

    async def on_coderunner_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CoderunnerError)
        if wire_error(exc).http_status >= 500:
            log.error("request.failed", error_class=type(exc).__name__, error=str(exc))
        return error_response(exc)

    async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return _validation_response(exc.errors())

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = _parse_failure(exc) if exc.status_code == 400 else str(exc.detail)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request.url.path, routes)
        return problem(exc.status_code, HTTP_KINDS.get(exc.status_code, "http"), detail, headers=headers)

    async def on_bug(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("request.bug", error_class=type(exc).__name__)
        return problem(500, "internal", "internal error; see the server log")

    app.add_exception_handler(CoderunnerError, on_coderunner_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_bug)
