"""Start-up recovery: no record stays `running` after a crash, no container survives it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import structlog

from coderunner.service.ports import ExecutionStore, Sandbox

log = structlog.get_logger("coderunner.recovery")


async def recover(
    store: ExecutionStore, sandbox: Sandbox, server_instance: str, event_sinks: Sequence[str] = ()
) -> list[str]:
    """Fails the executions a crashed predecessor of ``server_instance`` left unfinished (each
    owing its event to ``event_sinks``, and its webhook) and removes its containers. Returns
    the ids of the executions it marked failed."""
    reaped = await sandbox.reap()
    failed = await store.fail_unfinished(
        server_instance,
        reason=f"the service instance {server_instance!r} stopped before this execution finished",
        at=datetime.now(UTC),
        event_sinks=event_sinks,
    )
    if reaped or failed:
        log.warning("recovery.done", containers_removed=reaped, executions_failed=len(failed))
    return failed
