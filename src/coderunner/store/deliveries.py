"""``SqlDeliveryStore``: the ``DeliveryStore`` port (the outbox of events and webhooks) on SQLAlchemy.

Rows are created by ``owe``, inside the transaction that stores an execution's final state,
so a final state is never committed without the messages it owes (and a crash right after
the commit loses none of them).
"""

from __future__ import annotations

import asyncio
import builtins
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from coderunner.domain.delivery import Delivery, DeliveryState
from coderunner.store.db_errors import map_db_errors
from coderunner.store.tables import DeliveryRow


def owe(session: Session, execution_id: str, sinks: Sequence[str], at: datetime) -> None:
    """Adds a pending delivery of ``execution_id`` to each of ``sinks`` not owed one yet (due at ``at``)."""
    if not sinks:
        return
    existing = set(session.scalars(select(DeliveryRow.sink).where(DeliveryRow.execution_id == execution_id)))
    for sink in dict.fromkeys(sinks):
        if sink not in existing:
            session.add(
                DeliveryRow(
                    id=str(uuid.uuid4()),
                    execution_id=execution_id,
                    sink=sink,
                    state=DeliveryState.PENDING.value,
                    attempts=0,
                    created_at=at,
                    next_attempt_at=at,
                    last_error="",
                )
            )


class SqlDeliveryStore:
    """The outbox in the database behind ``engine``; each method is one transaction in a worker thread.

    Database failures raise ``StoreError``. Claims take row locks with SKIP LOCKED on
    PostgreSQL (SQLite serialises writers), so several dispatchers never claim one row twice.
    """

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    async def claim(self, sinks: Sequence[str], now: datetime, lease: timedelta, limit: int) -> builtins.list[Delivery]:
        return await asyncio.to_thread(self._claim, list(sinks), now, lease, limit)

    async def delivered(self, delivery_id: str, at: datetime) -> None:
        await asyncio.to_thread(self._end, delivery_id, DeliveryState.DELIVERED, at, "")

    async def retry_at(self, delivery_id: str, due: datetime, error: str) -> None:
        await asyncio.to_thread(self._retry_at, delivery_id, due, error)

    async def abandon(self, delivery_id: str, at: datetime, error: str) -> None:
        await asyncio.to_thread(self._end, delivery_id, DeliveryState.ABANDONED, at, error)

    def _claim(self, sinks: list[str], now: datetime, lease: timedelta, limit: int) -> builtins.list[Delivery]:
        if not sinks:
            return []
        statement = (
            select(DeliveryRow)
            .where(
                DeliveryRow.state == DeliveryState.PENDING.value,
                DeliveryRow.sink.in_(sinks),
                DeliveryRow.next_attempt_at <= now,
            )
            .order_by(DeliveryRow.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        with map_db_errors("claim deliveries"), self._sessions.begin() as session:
            rows = list(session.scalars(statement))
            for row in rows:
                row.attempts += 1
                row.next_attempt_at = now + lease
            return [Delivery(r.id, r.execution_id, r.sink, r.attempts, r.created_at) for r in rows]

    def _retry_at(self, delivery_id: str, due: datetime, error: str) -> None:
        with map_db_errors(f"reschedule delivery {delivery_id}"), self._sessions.begin() as session:
            row = session.get(DeliveryRow, delivery_id, with_for_update=True)
            if row is not None and row.state == DeliveryState.PENDING.value:
                row.next_attempt_at = due
                row.last_error = error[:2000]

    def _end(self, delivery_id: str, state: DeliveryState, at: datetime, error: str) -> None:
        with map_db_errors(f"end delivery {delivery_id}"), self._sessions.begin() as session:
            row = session.get(DeliveryRow, delivery_id, with_for_update=True)
            if row is not None:
                row.state = state.value
                row.finished_at = at
                row.last_error = error[:2000]
