"""A clean-up started while a task unwinds from a cancellation survives further cancellations."""

from __future__ import annotations

import asyncio

import pytest

from coderunner.shielded import to_the_end

pytestmark = pytest.mark.timeout(10)


async def test_a_second_cancel_does_not_cut_the_clean_up_short() -> None:
    # Given a task that cleans up (slowly) when it is cancelled
    started, release = asyncio.Event(), asyncio.Event()
    cleaned: list[str] = []

    async def clean_up() -> str:
        started.set()
        await release.wait()
        cleaned.append("container removed")
        return "removed"

    async def evaluation() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            assert "removed" == await to_the_end(clean_up())
            raise

    task = asyncio.create_task(evaluation())
    await asyncio.sleep(0)
    # When it is cancelled, and cancelled again while it cleans up
    task.cancel()
    await started.wait()
    task.cancel()
    await asyncio.sleep(0.01)
    assert not task.done()  # still cleaning up
    release.set()
    # Then the clean-up ran to its end, and the task still ends cancelled
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ["container removed"] == cleaned


async def test_a_failing_clean_up_raises_its_own_error() -> None:
    async def clean_up() -> None:
        raise OSError("engine away")

    with pytest.raises(OSError, match="engine away"):
        await to_the_end(clean_up())
