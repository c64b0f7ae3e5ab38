"""Execution ids as clients send them: REST's path and gRPC's ``GetExecution``.

Ids are UUIDs chosen by the pipeline, so text that cannot be one (too long, or holding
characters no database column stores) is answered "not found" without asking the store.
"""

from __future__ import annotations

from coderunner.domain.submission import text_problem
from coderunner.errors import ExecutionNotFound

MAX_EXECUTION_ID_CHARS = 64


def checked_execution_id(execution_id: str) -> str:
    """``execution_id`` itself, or ``ExecutionNotFound`` when no execution can have it.

    >>> checked_execution_id("abc\\x00def")
    Traceback (most recent call last):
    coderunner.errors.ExecutionNotFound: no execution with id 'abc\\x00def'
    """
    if len(execution_id) > MAX_EXECUTION_ID_CHARS or text_problem(execution_id) is not None:
        raise ExecutionNotFound(execution_id)
    return execution_id
