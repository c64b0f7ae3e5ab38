"""The seams the pipeline owns; adapters implement them."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from coderunner.domain.execution import Execution, ExecutionStatus, ProgramInfo, RequestInfo
from coderunner.domain.outcome import Grade
from coderunner.domain.sandbox_job import SandboxJob, SandboxRun
from coderunner.domain.submission import Submission


class Sandbox(Protocol):
    """Runs a job in a fresh, hardened sandbox: a single-use container, or fresh
    namespaces in a container that serves one job at a time (CODERUNNER_ISOLATION).

    ``execute`` raises ``SandboxUnavailable`` / ``SandboxFailure`` for our failures; what
    the submitted program does is reported in the returned ``SandboxRun``. Cancelling the
    awaiting task removes the container before the cancellation propagates.
    """

    async def execute(self, job: SandboxJob) -> SandboxRun: ...

    async def reap(self) -> int:
        """Remove containers left by a dead predecessor; returns how many."""
        ...


@dataclass(frozen=True)
class ExecutionFilter:
    student_id: str | None = None
    challenge_id: str | None = None
    status: ExecutionStatus | None = None
    limit: int = 50
    offset: int = 0


class ExecutionStore(Protocol):
    """Durable record of every execution. Each method is one transaction."""

    async def create(self, execution_id: str, submission: Submission, request: RequestInfo, at: datetime) -> Execution:
        """Store a new pending execution; nothing is half-written if this fails."""
        ...

    async def mark_running(self, execution_id: str, at: datetime) -> None: ...

    async def save_program(self, execution_id: str, program: ProgramInfo) -> None: ...

    async def finish(
        self,
        execution_id: str,
        status: ExecutionStatus,
        at: datetime,
        grade: Grade | None = None,
        error_type: str = "",
        error_message: str = "",
    ) -> None:
        """Record the terminal state (with per-test results when there is a grade).

        Writing a final state again replaces the earlier one: the pipeline's outbox retries
        a write the store refused until it is taken.
        """
        ...

    async def get(self, execution_id: str) -> Execution:
        """Raises ``ExecutionNotFound``."""
        ...

    async def list(self, query: ExecutionFilter) -> Sequence[Execution]: ...

    async def fail_unfinished(self, server_instance: str, reason: str, at: datetime) -> builtins.list[str]:
        """Mark the pending/running executions of ``server_instance`` failed (internal_error,
        ``reason``) and return their ids: called at start-up, after a crash of that instance."""
        ...
