"""Records the broker tests queue and announce."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from coderunner.domain.execution import Execution, ExecutionStatus, RequestInfo
from coderunner.domain.submission import Submission, TestCase


def an_execution() -> Execution:
    """A pending Python execution with one test, under a fresh id."""
    submission = Submission.create(language="python", code="print(1)", tests=[TestCase("t1", "", "1")])
    return Execution(str(uuid.uuid4()), submission, ExecutionStatus.PENDING, datetime.now(UTC), RequestInfo())
