"""Every error answer of the REST API, from the one table in ``entrypoints.error_codes``.

Body: ``{"error": kind, "field": request field or null, "detail": why}``. Bad input is
a 4xx naming the field; a bug of ours is a bare 500 whose detail points at the log,
never a stack trace.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from coderunner.entrypoints.error_codes import error_field, wire_error
from coderunner.entrypoints.rest.schemas import ProblemOut
from coderunner.errors import CoderunnerError

log = structlog.get_logger("coderunner.rest")

MEDIA_TYPE = "application/problem+json"
# Validation error types that mean "this is not JSON at all" rather than "wrong fields".
_MALFORMED = frozenset({"json_invalid", "json_type"})


def problem(
    status: int, error: str, detail: str, field: str | None = None, execution_id: str | None = None
) -> JSONResponse:
    body = ProblemOut(error=error, field=field, detail=detail, execution_id=execution_id)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=MEDIA_TYPE)


def error_response(exc: CoderunnerError, execution_id: str | None = None) -> JSONResponse:
    row = wire_error(exc)
    detail = str(exc) if row.http_status < 500 or row.name == "unavailable" else "internal error; see the server log"
    return problem(row.http_status, row.name, detail, error_field(exc), execution_id)


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
    return problem(422, "invalid_submission", f"{field}: {first.get('msg', 'invalid')}", field)


def install(app: FastAPI) -> None:
    """Registers the handlers that turn every exception into a problem answer."""

    async def on_coderunner_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CoderunnerError)
        if wire_error(exc).http_status >= 500:
            log.error("request.failed", error_class=type(exc).__name__, error=str(exc))
        return error_response(exc)

    async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return _validation_response(exc.errors())

    async def on_http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        kind = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}.get(exc.status_code, "http")
        return problem(exc.status_code, kind, str(exc.detail))

    async def on_bug(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("request.bug", error_class=type(exc).__name__)
        return problem(500, "internal", "internal error; see the server log")

    app.add_exception_handler(CoderunnerError, on_coderunner_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_bug)
