"""Clean-up that a second cancellation must not cut short.

A task that is cancelled runs its clean-up (remove the container, end the record) while
it unwinds; a further cancellation of the same task, which a stopping server brings (its
drain and the gRPC server's own grace end at the same moment), would cut that clean-up off
and let the process exit with a container left running or a record left ``running``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def to_the_end(cleanup: Awaitable[T]) -> T:
    """Awaits ``cleanup`` to its end, however often the awaiting task is cancelled meanwhile.

    Only for a caller that is already unwinding from a cancellation and re-raises it after.
    """
    running = asyncio.ensure_future(cleanup)
    while not running.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(running)
    return running.result()
