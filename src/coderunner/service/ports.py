"""The seams the pipeline owns; adapters implement them."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from coderunner.domain.delivery import Delivery
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
        deliveries: Sequence[str] = (),
    ) -> None:
        """Record the terminal state (with per-test results when there is a grade), and in the
        same transaction one pending ``Delivery`` per sink named in ``deliveries``.

        Writing a final state again replaces the earlier one: the pipeline's outbox retries
        a write the store refused until it is taken. A sink already owed a delivery for this
        execution gets no second one.
        """
        ...

    async def get(self, execution_id: str) -> Execution:
        """Raises ``ExecutionNotFound``."""
        ...

    async def list(self, query: ExecutionFilter) -> Sequence[Execution]: ...

    async def fail_unfinished(
        self, server_instance: str, reason: str, at: datetime, event_sinks: Sequence[str] = ()
    ) -> builtins.list[str]:
        """Mark the pending/running executions of ``server_instance`` failed (internal_error,
        ``reason``) and return their ids: called at start-up, after a crash of that instance.
        Each owes its event to ``event_sinks``, and its webhook when it has a callback_url."""
        ...


class DeliveryStore(Protocol):
    """The durable outbox of events and webhooks (rows written by ``ExecutionStore.finish``)."""

    async def claim(self, sinks: Sequence[str], now: datetime, lease: timedelta, limit: int) -> builtins.list[Delivery]:
        """Up to ``limit`` pending deliveries to ``sinks`` due at ``now``, oldest due first. Each
        claimed one counts an attempt and is due again only after ``lease``, so that no other
        dispatcher takes it meanwhile; one whose dispatcher dies is retried after the lease."""
        ...

    async def delivered(self, delivery_id: str, at: datetime) -> None: ...

    async def retry_at(self, delivery_id: str, due: datetime, error: str) -> None: ...

    async def abandon(self, delivery_id: str, at: datetime, error: str) -> None: ...


class EventSink(Protocol):
    """Where execution events go (Redis Streams, an HTTP endpoint; Kafka would be one more)."""

    name: str  # the delivery rows' sink name

    async def publish(self, execution_id: str, event: Mapping[str, Any]) -> None:
        """Hands ``event`` (keyed by ``execution_id``) to the sink; raises ``DeliveryFailed``."""
        ...

    async def close(self) -> None: ...


class WebhookSender(Protocol):
    """POSTs a signed execution to a submission's callback_url."""

    async def send(self, url: str, delivery_id: str, body: bytes) -> None:
        """Raises ``DeliveryFailed`` (``permanent`` for a refused address or a redirect)."""
        ...

    async def close(self) -> None: ...
