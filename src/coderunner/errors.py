"""The one error tree of coderunner.

A failed submission (compile error, wrong answer, timeout, memory kill) is *not* an
exception: it is a status in the result. Exceptions are for our own failures::

    CoderunnerError
    ├── InvalidSubmission (field)        → HTTP 422 / INVALID_ARGUMENT
    │   └── TemplateError (test_id)      → recorded as a result, error_type template_error
    ├── ExecutionNotFound (execution_id) → HTTP 404 / NOT_FOUND
    ├── Unauthenticated                  → HTTP 401 / UNAUTHENTICATED
    ├── Overloaded (retry_after_s)       → HTTP 429 / RESOURCE_EXHAUSTED
    │   └── QuotaExceeded                an API key over its own rate or concurrency limit
    └── InfrastructureError              → HTTP 503 / UNAVAILABLE: never a pass
        ├── SandboxUnavailable           engine unreachable, image missing
        ├── SandboxFailure               limits refused, container lost
        ├── StoreError                   database unreachable or refused a write
        ├── DeliveryFailed (permanent)   an event sink or a webhook receiver did not take a message
        └── BrokerUnavailable            the task queue (Redis) unreachable, or no worker for the language
"""

from __future__ import annotations


class CoderunnerError(Exception):
    """Base of every error coderunner raises on purpose."""


class InvalidSubmission(CoderunnerError):
    """The request itself is wrong; ``field`` names the offending part (e.g. ``tests[2].input``)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class ExecutionNotFound(CoderunnerError):
    """No execution has this id; the message quotes at most the id's first 80 characters."""

    def __init__(self, execution_id: str) -> None:
        shown = execution_id if len(execution_id) <= 80 else execution_id[:80] + "…"
        super().__init__(f"no execution with id {shown!r}")
        self.execution_id = execution_id


class Unauthenticated(CoderunnerError):
    """API keys are required and the request carries none, or one that is unknown or revoked.

    The message never quotes what was presented.
    """


class Overloaded(CoderunnerError):
    """Every slot is busy and the waiting queue is full: try again in ``retry_after_s`` seconds."""

    def __init__(self, message: str, retry_after_s: int = 1) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class QuotaExceeded(Overloaded):
    """The caller's API key is over its own rate or concurrency limit."""


class InfrastructureError(CoderunnerError):
    """Something of ours failed. Never reported as a pass.

    ``kind`` is a short, fixed name for what failed (a metrics label: never free text).
    """

    kind = "infrastructure"

    def __init__(self, message: str = "", *, kind: str | None = None) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind


class SandboxUnavailable(InfrastructureError):
    """No engine answers, or the sandbox image is missing and cannot be built."""

    kind = "engine_unavailable"


class SandboxFailure(InfrastructureError):
    """The engine answered but could not enforce or complete a sandboxed run."""

    kind = "sandbox_failure"


class StoreError(InfrastructureError):
    """The execution store could not be read or written."""

    kind = "store_unavailable"


class DeliveryFailed(InfrastructureError):
    """An event sink or webhook receiver did not take a message (never seen by a client:
    the delivery outbox retries it). ``permanent``: retrying cannot help (a redirect, an
    address the operator does not allow), so the delivery is abandoned at once."""

    def __init__(self, problem: str, *, permanent: bool = False) -> None:
        super().__init__(problem)
        self.permanent = permanent


class TemplateError(InvalidSubmission):
    """The tests cannot be turned into a program (bad literal, no function to call, ...).

    Recorded as a result with error_type ``template_error``, not answered as a request error.
    ``test_id`` is None when the problem is the code itself (e.g. no function found).
    """

    def __init__(self, problem: str, test_id: str | None = None) -> None:
        field = f"tests[{test_id}]" if test_id is not None else "code"
        super().__init__(field, problem)
        self.test_id = test_id


class BrokerUnavailable(InfrastructureError):
    """The distributed task queue cannot take the evaluation (broker away, no worker for its language)."""
