"""The record of one evaluation as it moves through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from coderunner.domain.outcome import Grade, Verdict
from coderunner.domain.submission import Submission


class ExecutionStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"  # the pipeline ran to the end, whatever the tests said
    FAILED = "failed"  # our failure (internal error): never a pass
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"  # the caller went away before the result

    @property
    def is_terminal(self) -> bool:
        return self not in (ExecutionStatus.PENDING, ExecutionStatus.RUNNING)


def status_for(verdict: Verdict) -> ExecutionStatus:
    """The record status a finished evaluation ends in."""
    if verdict is Verdict.INTERNAL_ERROR:
        return ExecutionStatus.FAILED
    if verdict is Verdict.TIMEOUT:
        return ExecutionStatus.TIMED_OUT
    return ExecutionStatus.COMPLETED


@dataclass(frozen=True)
class RequestInfo:
    """Who asked, for the record: not used to grade."""

    client_address: str = ""
    user_agent: str = ""
    server_instance: str = ""
    api_key_id: str | None = None  # the API key that submitted it; None when keys are off


@dataclass(frozen=True)
class ProgramInfo:
    """The generated test program, stored beside its execution."""

    language: str
    generator: str
    test_count: int
    custom_validation_used: bool
    generation_ms: int
    source: str

    @property
    def size_bytes(self) -> int:
        return len(self.source.encode())


@dataclass(frozen=True)
class Execution:
    """An execution as stored: the submission, where it stands, and its grade once known."""

    id: str
    submission: Submission
    status: ExecutionStatus
    created_at: datetime
    request: RequestInfo = field(default_factory=RequestInfo)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    grade: Grade | None = None
    error_type: str = ""
    error_message: str = ""
    program: ProgramInfo | None = None
