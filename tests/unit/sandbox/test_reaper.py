"""Containers the engine could not remove are removed once it answers, then their UIDs freed."""

from __future__ import annotations

import threading

import pytest

from coderunner.errors import SandboxUnavailable
from coderunner.sandbox.reaper import Reaper

pytestmark = pytest.mark.timeout(10)


class Engine:
    """Removes names while ``up``; refuses as an unreachable engine does otherwise."""

    def __init__(self) -> None:
        self.up = False
        self.removed: list[str] = []
        self.asked = threading.Event()

    def remove(self, name: str) -> None:
        self.asked.set()
        if not self.up:
            raise SandboxUnavailable("could not remove sandbox: the Docker engine is unreachable")
        self.removed.append(name)


def test_a_container_is_removed_when_the_engine_returns_and_only_then_freed() -> None:
    engine = Engine()
    freed = threading.Event()
    reaper = Reaper(engine.remove, first_delay_s=0.01, max_delay_s=0.05)
    reaper.add("sandbox-1", freed.set)
    engine.asked.wait()
    assert not freed.is_set()
    assert ["sandbox-1"] == reaper.waiting
    engine.up = True
    freed.wait()
    assert ["sandbox-1"] == engine.removed
    assert [] == reaper.close(timeout_s=1)


def test_close_reports_what_the_engine_never_let_it_remove() -> None:
    engine = Engine()
    reaper = Reaper(engine.remove, first_delay_s=0.01)
    reaper.add("sandbox-1")
    assert ["sandbox-1"] == reaper.close(timeout_s=0.1)


def test_a_container_handed_over_after_close_is_removed_at_once() -> None:
    # Given a closed reaper (the shutdown's clean-up is over) and an engine that answers
    engine = Engine()
    engine.up = True
    reaper = Reaper(engine.remove, first_delay_s=0.01)
    assert [] == reaper.close(timeout_s=0.1)
    freed = threading.Event()
    # When a job that ended late hands its container over
    reaper.add("sandbox-late", freed.set)
    # Then it is removed there and then, not left to a thread that no longer runs
    assert (["sandbox-late"], True, []) == (engine.removed, freed.is_set(), reaper.waiting)
