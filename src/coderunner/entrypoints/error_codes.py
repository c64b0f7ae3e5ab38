"""The one table from our error tree to wire codes, shared by REST and gRPC.

Looked up along the exception's MRO, so a subclass (``TemplateError``, ``StoreError``)
answers like its nearest listed ancestor. A failed *submission* is never here: compile
errors, wrong answers and timeouts are results, not errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from coderunner.errors import (
    CoderunnerError,
    ExecutionNotFound,
    InfrastructureError,
    InvalidSubmission,
    Overloaded,
    QuotaExceeded,
    Unauthenticated,
)


@dataclass(frozen=True)
class WireError:
    """How one kind of error is answered: its name in bodies, HTTP status, gRPC status code name."""

    name: str
    http_status: int
    grpc_code: str  # a member name of grpc.StatusCode (kept as text so REST needs no grpc import)


ERROR_TABLE: dict[type[CoderunnerError], WireError] = {
    InvalidSubmission: WireError("invalid_submission", 422, "INVALID_ARGUMENT"),
    ExecutionNotFound: WireError("not_found", 404, "NOT_FOUND"),
    Unauthenticated: WireError("unauthenticated", 401, "UNAUTHENTICATED"),
    Overloaded: WireError("overloaded", 429, "RESOURCE_EXHAUSTED"),
    QuotaExceeded: WireError("quota_exceeded", 429, "RESOURCE_EXHAUSTED"),
    InfrastructureError: WireError("unavailable", 503, "UNAVAILABLE"),
    # A CoderunnerError nobody listed: our bug, answered without internals.
    CoderunnerError: WireError("internal", 500, "INTERNAL"),
}


# How long an overloaded client should wait before retrying: REST's Retry-After header and
# gRPC's trailing metadata. A slot frees up in about the time one evaluation takes; a key
# over its rate limit is told when its next submission is allowed.
RETRY_AFTER_S = 1


def retry_after_s(exc: CoderunnerError) -> int:
    """Seconds an overloaded (or over-quota) client should wait."""
    return exc.retry_after_s if isinstance(exc, Overloaded) else RETRY_AFTER_S


def wire_error(exc: CoderunnerError) -> WireError:
    """The row for ``exc``: its class's, or its nearest listed ancestor's.

    >>> wire_error(Overloaded("busy")).http_status
    429
    """
    for cls in type(exc).__mro__:
        row = ERROR_TABLE.get(cls)
        if row is not None:
            return row
    raise AssertionError("unreachable: CoderunnerError is in the table")


def error_field(exc: CoderunnerError) -> str | None:
    """The request field an error is about, when it is about one."""
    return exc.field if isinstance(exc, InvalidSubmission) else None
