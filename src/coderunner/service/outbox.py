"""Final states the store could not take yet, written as soon as it answers again.

No record may stay ``pending`` or ``running`` because the database was away at the
moment its evaluation ended. The pipeline hands every final state to the outbox:
``settle`` writes it at once and, when the store fails, keeps it and re-raises (the
caller gets its 503); ``put`` only keeps it. A background writer retries what is kept,
with exponential backoff, until the store takes it: the finished grade when there was
one, otherwise the failure or cancellation with its message. Memory is bounded: past
``capacity`` the oldest state is dropped (logged), and the next start's recovery fails
that record instead.

Usage::

    outbox = Outbox(store)
    await outbox.settle(execution_id, FinalState(ExecutionStatus.CANCELLED, now, error_type="cancelled"))
    ...
    await outbox.close(timeout_s=5)  # at shutdown: a last try, then what is left is logged
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime

import structlog

from coderunner.domain.execution import ExecutionStatus
from coderunner.domain.outcome import Grade
from coderunner.errors import ExecutionNotFound, StoreError
from coderunner.service.ports import ExecutionStore

log = structlog.get_logger("coderunner.outbox")


@dataclass(frozen=True)
class FinalState:
    """What ``ExecutionStore.finish`` records for one execution."""

    status: ExecutionStatus
    at: datetime
    grade: Grade | None = None
    error_type: str = ""
    error_message: str = ""
    deliveries: tuple[str, ...] = ()  # the sinks owed a message once this is stored


class Outbox:
    """Writes final states to ``store``, keeping and retrying those it refuses.

    Every method runs on the event loop that serves the pipeline; the writer task is
    started there on first need and ends when nothing is left.
    """

    def __init__(
        self,
        store: ExecutionStore,
        *,
        capacity: int = 1024,
        first_delay_s: float = 0.25,
        max_delay_s: float = 5.0,
    ) -> None:
        self._store = store
        self._capacity = capacity
        self._first_delay_s = first_delay_s
        self._max_delay_s = max_delay_s
        # Insertion-ordered: the oldest goes first when full. A newer state for the same id replaces the older.
        self._kept: dict[str, FinalState] = {}
        # Ids whose record may not even exist (its create failed): the first to go when full.
        self._doubtful: set[str] = set()
        self._writer: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> list[str]:
        """Ids whose final state is kept, not yet written."""
        return list(self._kept)

    async def settle(self, execution_id: str, state: FinalState) -> None:
        """Writes ``state`` now; when the store fails, keeps it for the writer and re-raises ``StoreError``.

        ``ExecutionNotFound`` propagates (nothing is kept: there is no record to finish).
        """
        try:
            await self._finish(execution_id, state)
        except StoreError as exc:
            self.put(execution_id, state, reason=str(exc))
            raise

    def put(self, execution_id: str, state: FinalState, *, reason: str = "", doubtful: bool = False) -> None:
        """Keeps ``state`` for the background writer, which writes it as soon as the store answers.

        ``doubtful``: the record may not exist (its create failed); such states are dropped
        first when the outbox is full, so that a flood of refused requests never pushes out
        a grade.
        """
        self._kept.pop(execution_id, None)
        self._kept[execution_id] = state
        if doubtful:
            self._doubtful.add(execution_id)
        if reason:
            log.warning("outbox.kept", execution_id=execution_id, status=state.status.value, reason=reason)
        while len(self._kept) > self._capacity:
            dropped = next((i for i in self._kept if i in self._doubtful), None) or next(iter(self._kept))
            self._forget(dropped)
            log.error("outbox.dropped", execution_id=dropped, capacity=self._capacity)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_until_empty(), name="coderunner-outbox")

    async def written(self, execution_id: str) -> None:
        """Returns once no final state of ``execution_id`` is kept: written, or dropped when full.

        Checks at the writer's first retry delay: only waited on after the store failed.
        """
        while execution_id in self._kept:
            await asyncio.sleep(self._first_delay_s)

    async def close(self, timeout_s: float) -> list[str]:
        """Tries for up to ``timeout_s`` to write what is kept; returns (and logs) the ids left unwritten."""
        if self._writer is not None:
            # Not waited for: it may be sleeping its longest backoff; this tries again at once.
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
        if self._kept:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._write_until_empty(), timeout_s)
        left = self.waiting
        if left:
            log.error("outbox.unwritten_at_close", executions=left, hint="the next start's recovery fails them")
        return left

    def _forget(self, execution_id: str) -> None:
        del self._kept[execution_id]
        self._doubtful.discard(execution_id)

    async def _finish(self, execution_id: str, state: FinalState) -> None:
        await self._store.finish(
            execution_id,
            state.status,
            state.at,
            grade=state.grade,
            error_type=state.error_type,
            error_message=state.error_message,
            deliveries=state.deliveries,
        )

    async def _write_until_empty(self) -> None:
        delay = self._first_delay_s
        while self._kept:
            if await self._write_kept():
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_delay_s)

    async def _write_kept(self) -> bool:
        """One pass over what is kept; True when all of it is written. Stops at the first store failure."""
        written = 0
        for execution_id, state in list(self._kept.items()):
            try:
                await self._finish(execution_id, state)
            except StoreError:
                if written:
                    log.info("outbox.written", count=written, left=len(self._kept))
                return False
            except ExecutionNotFound:
                # Its create failed too (the database went away mid-insert): there is no record to finish.
                pass
            except Exception:
                # A state the store will never take (a bug): retrying forever would hold it for nothing.
                log.exception("outbox.refused", execution_id=execution_id)
            if self._kept.get(execution_id) is state:
                self._forget(execution_id)
                written += 1
        if written:
            log.info("outbox.written", count=written, left=len(self._kept))
        return not self._kept
