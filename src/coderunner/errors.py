"""The one error tree of coderunner.

A failed submission (compile error, wrong answer, timeout, memory kill) is *not* an
exception: it is a status in the result. Exceptions are for our own failures::

    CoderunnerError
    ├── InvalidSubmission (field)        → HTTP 422 / INVALID_ARGUMENT
    │   └── TemplateError (test_id)      → recorded as a result, error_type template_error
    ├── ExecutionNotFound (execution_id) → HTTP 404 / NOT_FOUND
    ├── Overloaded                       → HTTP 429 / RESOURCE_EXHAUSTED
    └── InfrastructureError              → HTTP 503 / UNAVAILABLE: never a pass
        ├── SandboxUnavailable           engine unreachable, image missing
        ├── SandboxFailure               limits refused, container lost
        ├── StoreError                   database unreachable or refused a write
        └── DeliveryFailed (permanent)   an event sink or a webhook receiver did not take a message
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


class Overloaded(CoderunnerError):
    """Every slot is busy and the waiting queue is full: try again later."""


class InfrastructureError(CoderunnerError):
    """Something of ours failed. Never reported as a pass."""


class SandboxUnavailable(InfrastructureError):
    """No engine answers, or the sandbox image is missing and cannot be built."""


class SandboxFailure(InfrastructureError):
    """The engine answered but could not enforce or complete a sandboxed run."""


class StoreError(InfrastructureError):
    """The execution store could not be read or written."""


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
