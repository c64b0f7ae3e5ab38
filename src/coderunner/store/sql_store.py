"""``SqlExecutionStore``: the ``ExecutionStore`` port on SQLAlchemy, for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Select, and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from coderunner.domain.delivery import WEBHOOK
from coderunner.domain.execution import Execution, ExecutionStatus, ProgramInfo, RequestInfo
from coderunner.domain.outcome import Grade
from coderunner.domain.submission import Submission
from coderunner.errors import ExecutionNotFound, Overloaded
from coderunner.service.ports import Admission, ExecutionFilter
from coderunner.store.convert import new_execution_row, record_finish, record_program, to_execution
from coderunner.store.db_errors import map_db_errors
from coderunner.store.deliveries import owe
from coderunner.store.tables import ExecutionRow

_UNFINISHED = (ExecutionStatus.PENDING.value, ExecutionStatus.RUNNING.value)
# The PostgreSQL advisory lock every admission takes for its count and insert (any fixed number).
_ADMISSION_LOCK = 0x636F_6465_7275
# What record_finish takes after the row: status, at, grade, error_type, error_message.
_Final = tuple[ExecutionStatus, datetime, Grade | None, str, str]


class SqlExecutionStore:
    """Durable executions in the database behind ``engine`` (migrated with ``migrate``).

    Each method is one transaction, run in a worker thread so that the event loop never waits
    on the database. Database failures raise ``StoreError`` and leave nothing half-written.
    Cancelling a call does not stop its thread: its transaction still commits or rolls back
    as a whole. Timestamps must be timezone-aware (``ValueError`` otherwise) and come back in UTC.
    Writers lock the execution's row, so two writes to one execution never interleave.

    Usage::

        store = SqlExecutionStore(create_engine_for("sqlite:///var/coderunner.db"))
        execution = await store.get(execution_id)
    """

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    async def create(
        self,
        execution_id: str,
        submission: Submission,
        request: RequestInfo,
        at: datetime,
        admission: Admission | None = None,
    ) -> Execution:
        """Store a new pending execution. An id already stored raises ``StoreError``.

        With ``admission``, the unfinished executions are counted in the transaction that
        inserts it, under a lock every admission takes (PostgreSQL: an advisory transaction
        lock; SQLite: its one writer), so concurrent admissions from any number of API nodes
        never overshoot its bounds: ``Overloaded`` past them, and nothing is stored.
        """
        _require_aware(at)
        return await asyncio.to_thread(self._create, execution_id, submission, request, at, admission)

    async def mark_running(self, execution_id: str, at: datetime) -> Execution:
        """Claims a pending (or running: its worker died) execution: running since ``at``, in one
        conditional update of its locked row; returns the record as it now stands, so the
        claimant needs no read before it. A final record is returned unchanged (nothing final
        runs again). Raises ``ExecutionNotFound``."""
        _require_aware(at)
        return await asyncio.to_thread(self._mark_running, execution_id, at)

    async def save_program(self, execution_id: str, program: ProgramInfo) -> None:
        """Store the generated program, replacing an earlier one. Raises ``ExecutionNotFound``."""
        await asyncio.to_thread(self._save_program, execution_id, program)

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
        """Record the terminal state and one row per test outcome, replacing an earlier finish,
        and the deliveries it owes (``store.deliveries.owe``), in one transaction.

        Raises ``ExecutionNotFound``, and ``ValueError`` when ``grade`` names a test id twice.
        """
        _require_aware(at)
        final = (status, at, grade, error_type, error_message)
        await asyncio.to_thread(self._finish, execution_id, final, tuple(deliveries))

    async def get(self, execution_id: str) -> Execution:
        """Raises ``ExecutionNotFound``."""
        return await asyncio.to_thread(self._get, execution_id)

    async def list(self, query: ExecutionFilter) -> Sequence[Execution]:
        """One page of executions, newest first; each as complete as ``get`` returns it.

        A page of ``query.limit`` executions costs three queries (executions, their tests,
        their programs), whatever the limit.
        """
        return await asyncio.to_thread(self._list, query)

    async def stranded(self, older_than: datetime, limit: int) -> builtins.list[Execution]:
        """Up to ``limit`` unfinished executions last queued (created, or queued again) before
        ``older_than``, oldest first, the running ones only if they also started before it:
        those a worker may never have been told about, or whose worker may be gone."""
        _require_aware(older_than)
        return await asyncio.to_thread(self._stranded, older_than, limit)

    async def claim_requeue(self, execution_id: str, older_than: datetime, at: datetime) -> int | None:
        """Counts one more requeue of ``execution_id`` at ``at`` if it is still stranded as
        ``stranded`` lists it (unfinished, neither created nor queued again since
        ``older_than``, and if running, started before it); a running one goes back to
        pending. Returns its requeue count, or None when it no longer qualifies (another
        sweeper claimed it first, it started since, or it ended). One conditional row
        update: of several sweepers, one claims it."""
        _require_aware(older_than)
        _require_aware(at)
        return await asyncio.to_thread(self._claim_requeue, execution_id, older_than, at)

    async def fail_unfinished(
        self, server_instance: str, reason: str, at: datetime, event_sinks: Sequence[str] = ()
    ) -> builtins.list[str]:
        """Mark the pending/running executions of ``server_instance`` failed (error_type
        ``internal_error``, error_message ``reason``), owing their events to ``event_sinks``
        and their webhooks; returns their ids, sorted."""
        _require_aware(at)
        return await asyncio.to_thread(self._fail_unfinished, server_instance, reason, at, tuple(event_sinks))

    def _create(
        self, execution_id: str, submission: Submission, request: RequestInfo, at: datetime, admission: Admission | None
    ) -> Execution:
        with map_db_errors(f"create execution {execution_id}"), self._sessions.begin() as session:
            if admission is not None:
                _admit(session, submission.student_id, admission)
            session.add(new_execution_row(execution_id, submission, request, at))
        return Execution(
            id=execution_id,
            submission=submission,
            status=ExecutionStatus.PENDING,
            created_at=at.astimezone(UTC),
            request=request,
        )

    def _mark_running(self, execution_id: str, at: datetime) -> Execution:
        with map_db_errors(f"mark execution {execution_id} running"), self._sessions.begin() as session:
            row = _row(session, execution_id, for_update=True)
            if row.status in _UNFINISHED:
                row.status = ExecutionStatus.RUNNING.value
                row.started_at = at.astimezone(UTC)  # as it reads back
            return to_execution(row)

    def _save_program(self, execution_id: str, program: ProgramInfo) -> None:
        with map_db_errors(f"save the program of execution {execution_id}"), self._sessions.begin() as session:
            record_program(_row(session, execution_id, for_update=True), program)

    def _finish(self, execution_id: str, final: _Final, deliveries: tuple[str, ...]) -> None:
        with map_db_errors(f"finish execution {execution_id}"), self._sessions.begin() as session:
            record_finish(_row(session, execution_id, for_update=True), *final)
            owe(session, execution_id, deliveries, final[1])

    def _get(self, execution_id: str) -> Execution:
        with map_db_errors(f"read execution {execution_id}"), self._sessions.begin() as session:
            return to_execution(_row(session, execution_id))

    def _list(self, query: ExecutionFilter) -> builtins.list[Execution]:
        statement = select(ExecutionRow)
        if query.student_id is not None:
            statement = statement.where(ExecutionRow.student_id == query.student_id)
        if query.challenge_id is not None:
            statement = statement.where(ExecutionRow.challenge_id == query.challenge_id)
        if query.status is not None:
            statement = statement.where(ExecutionRow.status == query.status.value)
        if query.api_key_id is not None:
            statement = statement.where(ExecutionRow.api_key_id == query.api_key_id)
        # The id breaks ties between executions created in the same microsecond, so pages never overlap.
        statement = statement.order_by(ExecutionRow.created_at.desc(), ExecutionRow.id.desc())
        statement = statement.limit(query.limit).offset(query.offset)
        with map_db_errors("list executions"), self._sessions.begin() as session:
            return [to_execution(row) for row in session.scalars(statement)]

    def _stranded(self, older_than: datetime, limit: int) -> builtins.list[Execution]:
        statement = select(ExecutionRow).where(_stranded(older_than)).order_by(ExecutionRow.created_at).limit(limit)
        with map_db_errors("list stranded executions"), self._sessions.begin() as session:
            return [to_execution(row) for row in session.scalars(statement)]

    def _claim_requeue(self, execution_id: str, older_than: datetime, at: datetime) -> int | None:
        statement = (
            update(ExecutionRow)
            .where(ExecutionRow.id == execution_id, _stranded(older_than))
            .values(
                requeues=ExecutionRow.requeues + 1,
                requeued_at=at,
                status=ExecutionStatus.PENDING.value,
                started_at=None,
            )
            .returning(ExecutionRow.requeues)
        )
        with map_db_errors(f"claim execution {execution_id} for a requeue"), self._sessions.begin() as session:
            requeues = session.scalar(statement)
            return None if requeues is None else int(requeues)

    def _fail_unfinished(
        self, server_instance: str, reason: str, at: datetime, event_sinks: tuple[str, ...]
    ) -> builtins.list[str]:
        statement = (
            update(ExecutionRow)
            .where(ExecutionRow.server_instance == server_instance, ExecutionRow.status.in_(_UNFINISHED))
            .values(
                status=ExecutionStatus.FAILED.value, finished_at=at, error_type="internal_error", error_message=reason
            )
            .returning(ExecutionRow.id, ExecutionRow.callback_url)
        )
        with map_db_errors(f"fail the unfinished executions of {server_instance}"), self._sessions.begin() as session:
            failed = session.execute(statement).all()
            for execution_id, callback_url in failed:
                owe(session, execution_id, (*event_sinks, WEBHOOK) if callback_url else event_sinks, at)
            return sorted(execution_id for execution_id, _ in failed)


def _admit(session: Session, student_id: str, admission: Admission) -> None:
    """Raises ``Overloaded`` past ``admission``'s bounds; every admission counts in turn."""
    if session.get_bind().dialect.name == "postgresql":
        # Held until the transaction ends: the next admission counts this one's insert.
        session.execute(select(func.pg_advisory_xact_lock(_ADMISSION_LOCK)))
    unfinished = int(session.scalar(_count_unfinished()) or 0)
    if unfinished >= admission.queue_limit:
        raise Overloaded(f"{unfinished} evaluations are queued or running (the limit is {admission.queue_limit})")
    if student_id:
        mine = _count_unfinished().where(ExecutionRow.student_id == student_id)
        if int(session.scalar(mine) or 0) >= admission.student_limit:
            raise Overloaded(
                f"student {student_id!r} already has {admission.student_limit} evaluations queued or running"
            )


def _count_unfinished() -> Select[int]:
    return select(func.count()).select_from(ExecutionRow).where(ExecutionRow.status.in_(_UNFINISHED))


def _stranded(older_than: datetime) -> Any:
    """Unfinished, last queued before ``older_than``, and if running, started before it too."""
    return and_(
        _last_queued() < older_than,
        or_(
            ExecutionRow.status == ExecutionStatus.PENDING.value,
            and_(ExecutionRow.status == ExecutionStatus.RUNNING.value, ExecutionRow.started_at < older_than),
        ),
    )


def _last_queued() -> Any:
    """When an execution was last handed to the queue: its last requeue, else its creation."""
    return func.coalesce(ExecutionRow.requeued_at, ExecutionRow.created_at)


def _row(session: Session, execution_id: str, *, for_update: bool = False) -> ExecutionRow:
    # FOR UPDATE matters on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers.
    row = session.get(ExecutionRow, execution_id, with_for_update=for_update)
    if row is None:
        raise ExecutionNotFound(execution_id)
    return row


def _require_aware(at: datetime) -> None:
    if at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()}: pass a timezone-aware one")
