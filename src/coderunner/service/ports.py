"""The seams the pipeline owns; adapters implement them."""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from coderunner.domain.api_key import ApiKey
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
    api_key_id: str | None = None  # only this key's executions (None: everyone's)


@dataclass(frozen=True)
class Admission:
    """The bounds a new record must fit under, checked in the transaction that inserts it."""

    queue_limit: int  # unfinished (pending or running) executions in the whole store
    student_limit: int  # unfinished executions of the submission's student


class ExecutionStore(Protocol):
    """Durable record of every execution. Each method is one transaction."""

    async def create(
        self,
        execution_id: str,
        submission: Submission,
        request: RequestInfo,
        at: datetime,
        admission: Admission | None = None,
    ) -> Execution:
        """Store a new pending execution; nothing is half-written if this fails. With
        ``admission``, raises ``Overloaded`` (storing nothing) past its bounds, counted
        atomically with the insert against every other admission, on any node."""
        ...

    async def mark_running(self, execution_id: str, at: datetime) -> Execution:
        """Claims a pending or running execution (running since ``at``) in one conditional
        update and returns the record as it now stands; a final one comes back unchanged."""
        ...

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

    async def stranded(self, older_than: datetime, limit: int) -> builtins.list[Execution]:
        """Pending executions neither created nor queued again since ``older_than``, oldest first."""
        ...

    async def claim_requeue(self, execution_id: str, older_than: datetime, at: datetime) -> int | None:
        """Counts a requeue of a still-``stranded`` execution; its requeue count, or None when
        it no longer qualifies. Of concurrent claims of one execution, one succeeds."""
        ...

    async def fail_unfinished(
        self, server_instance: str, reason: str, at: datetime, event_sinks: Sequence[str] = ()
    ) -> builtins.list[str]:
        """Mark the pending/running executions of ``server_instance`` failed (internal_error,
        ``reason``) and return their ids: called at start-up, after a crash of that instance.
        Each owes its event to ``event_sinks``, and its webhook when it has a callback_url."""
        ...


class Phase(StrEnum):
    """The stretches of an execution whose durations are measured."""

    QUEUE_WAIT = "queue_wait"  # from being recorded until a slot (or a worker) took it
    BUILD = "build"  # the compile steps, as the supervisor measured them
    TESTS = "tests"  # the test steps, as the supervisor measured them
    SANDBOX = "sandbox"  # everything in the sandbox: container, files, build, tests, removal
    TOTAL = "total"  # from being recorded until its final state


class Metrics(Protocol):
    """What the pipeline, the scheduler, the sandbox and the image builder report.

    Every call is cheap and never raises, so reporting never changes an outcome. Labels are
    bounded sets (languages, images, kinds, statuses), never ids. Any process that runs
    the pipeline reports through the same port, so a worker's metrics look like a server's.
    """

    def execution_finished(self, language: str, status: str, verdict: str) -> None:
        """One execution reached its final state (``verdict`` is empty when it has none)."""
        ...

    def phase_duration(self, phase: Phase, language: str, seconds: float) -> None: ...

    def sandbox_failure(self, kind: str) -> None:
        """A failure of ours around a sandbox (``kind``: engine_unavailable, container_stopped, ...)."""
        ...

    def warm_pool_ready(self, image: str, ready: int) -> None:
        """How many started containers of ``image`` wait idle in its pool now (single-use or serving)."""
        ...

    def warm_pool_take(self, image: str, hit: bool) -> None:
        """A job looked for a warm container of ``image``: found one (hit) or started its own (miss)."""
        ...

    def scheduler_state(self, running: int, waiting: int, slots: int) -> None:
        """Slots in use, submissions waiting for one, and the number of slots."""
        ...

    def scheduler_rejected(self) -> None:
        """A submission was refused because every slot and waiting place was taken."""
        ...

    def image_build(self, image: str, succeeded: bool, seconds: float) -> None: ...


class NoMetrics:
    """Reports nowhere: for one-shot commands (``coderunner run``) where nobody scrapes."""

    def execution_finished(self, language: str, status: str, verdict: str) -> None:
        pass

    def phase_duration(self, phase: Phase, language: str, seconds: float) -> None:
        pass

    def sandbox_failure(self, kind: str) -> None:
        pass

    def warm_pool_ready(self, image: str, ready: int) -> None:
        pass

    def warm_pool_take(self, image: str, hit: bool) -> None:
        pass

    def scheduler_state(self, running: int, waiting: int, slots: int) -> None:
        pass

    def scheduler_rejected(self) -> None:
        pass

    def image_build(self, image: str, succeeded: bool, seconds: float) -> None:
        pass


class ApiKeyStore(Protocol):
    """Durable API keys: each stored with the hash of its secret, never the secret."""

    async def add(self, key: ApiKey, secret_hash: str) -> None: ...

    async def find(self, secret_hash: str) -> tuple[ApiKey, str] | None:
        """The key stored with ``secret_hash`` (revoked or not) and the hash as stored."""
        ...

    async def all(self) -> builtins.list[ApiKey]:
        """Every key, oldest first."""
        ...

    async def revoke(self, key_id: str, at: datetime) -> ApiKey | None:
        """Marks the key revoked at ``at`` (an earlier revocation stays); None when there is no such key."""
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


class WorkQueue(Protocol):
    """The distributed task queue between API nodes and workers.

    Delivery is at least once: a worker may receive an execution id again (its worker
    died), so whoever consumes must treat the stored record as the truth (the id is the
    idempotency key).
    """

    async def enqueue(self, execution: Execution) -> None:
        """Hands ``execution`` (recorded as pending) to a worker that grades its language.

        Raises ``BrokerUnavailable`` when the broker is away or no live worker takes the language.
        """
        ...

    async def requeue(self, execution: Execution) -> None:
        """Hands a stranded ``execution`` to its language's queue again, whether or not a
        worker for it is alive now (it waits there for one). Raises ``BrokerUnavailable``."""
        ...

    async def held(self, executions: Sequence[Execution]) -> set[str]:
        """The ids of ``executions`` the broker holds a message for (queued or being
        graded). Raises ``BrokerUnavailable``."""
        ...


class FinishedFeed(Protocol):
    """Tells an API node that an execution reached its final state (pushed, never polled)."""

    def watch(self, execution_id: str) -> asyncio.Future[Execution | None]:
        """A future that resolves when ``execution_id`` is announced finished: to its final
        record when the announcement carried it, else to None (the announcement had no
        record, or the feed may have missed announcements: it reconnected), and then the
        caller reads the store."""
        ...

    def unwatch(self, execution_id: str, future: asyncio.Future[Execution | None]) -> None: ...
