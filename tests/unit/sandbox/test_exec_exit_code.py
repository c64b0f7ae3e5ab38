"""The exit code of an exec whose stream has ended: asked again until the engine has it."""

from __future__ import annotations

import time
from typing import Any

import pytest

from coderunner.sandbox.exec_stream import _exit_code

pytestmark = pytest.mark.timeout(10)


class Engine:
    """``exec_inspect`` answers as the engine does: running for ``running_for`` more asks, then exited."""

    def __init__(self, running_for: int, exit_code: int | None = 0) -> None:
        self.running_for = running_for
        self.exit_code = exit_code
        self.asked = 0

    def exec_inspect(self, exec_id: str) -> dict[str, Any]:
        self.asked += 1
        if self.asked <= self.running_for:
            return {"Running": True, "ExitCode": None}
        return {"Running": False, "ExitCode": self.exit_code}


def test_an_exit_recorded_a_moment_after_the_stream_ended_is_read() -> None:
    engine = Engine(running_for=3, exit_code=0)
    assert 0 == _exit_code(engine, "exec", until=time.monotonic() + 5)
    assert 4 == engine.asked


def test_an_exec_still_running_when_the_time_is_up_has_no_exit_code() -> None:
    assert None is _exit_code(Engine(running_for=10**9), "exec", until=time.monotonic() + 0.05)


def test_an_exec_that_never_started_has_no_exit_code() -> None:
    assert None is _exit_code(Engine(running_for=0, exit_code=None), "exec", until=time.monotonic() + 5)
