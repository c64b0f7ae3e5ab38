"""ServingPool's bookkeeping, with stand-ins for the containers (pure logic)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, cast

from coderunner.domain.sandbox_job import StepLimits
from coderunner.sandbox.hardening import SandboxUsers
from coderunner.sandbox.namespace_pool import ServingContainer, ServingPool

LIMITS = StepLimits(wall_s=1, memory_mb=64, cpus=1.0, output_limit_bytes=10)


class Engine:
    """Makes numbered stand-in containers and records which were recycled."""

    def __init__(self) -> None:
        self.made = 0
        self.recycled: list[int] = []
        self.lock = threading.Lock()

    def make(self) -> ServingContainer:
        with self.lock:
            self.made += 1
            number = self.made
        return ServingContainer(cast(Any, number), SandboxUsers(number, number + 1), "image", cast(Any, None), LIMITS)

    def recycle(self, serving: ServingContainer, then: Callable[[], None] | None) -> None:
        self.recycled.append(cast(int, serving.container))
        if then is not None:
            then()


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_pool_fills_to_its_size_and_serves_a_container_again_once_given_back() -> None:
    engine = Engine()
    pool = ServingPool(engine.make, engine.recycle, size=2, keep=2)
    pool.start()
    _wait_for(lambda: pool.ready == 2)

    first = pool.take()
    assert first is not None
    pool.give_back(first)

    assert 2 == pool.ready
    assert 2 == engine.made
    pool.close()
    assert [1, 2] == sorted(engine.recycled)


def test_a_recycled_container_is_replaced_and_its_callback_runs() -> None:
    engine = Engine()
    pool = ServingPool(engine.make, engine.recycle, size=1, keep=1)
    pool.start()
    _wait_for(lambda: pool.ready == 1)
    called: list[bool] = []

    serving = pool.take()
    assert serving is not None
    pool.recycle(serving, then=lambda: called.append(True))

    _wait_for(lambda: pool.ready == 1)
    assert ([1], [True], 2) == (engine.recycled, called, engine.made)
    pool.close()


def test_containers_started_for_a_burst_beyond_keep_are_recycled_when_given_back() -> None:
    engine = Engine()
    pool = ServingPool(engine.make, engine.recycle, size=0, keep=1)
    pool.start()

    burst = [pool.make_now() for _ in range(3)]
    for serving in burst:
        pool.give_back(serving)

    assert 1 == pool.ready
    assert [1, 2] == engine.recycled  # given back while more than keep were live
    pool.close()


def test_every_change_of_the_idle_count_is_reported() -> None:
    engine = Engine()
    heard: list[int] = []
    pool = ServingPool(engine.make, engine.recycle, size=1, keep=2, on_ready=heard.append)
    pool.start()
    _wait_for(lambda: heard == [1])

    taken = pool.take()
    extra = pool.make_now()
    assert taken is not None
    pool.give_back(taken)
    pool.give_back(extra)
    pool.close()

    assert [1, 0, 1, 2, 0] == heard
    assert 0 == pool.ready


def test_a_container_started_for_a_caller_comes_from_its_maker_and_is_kept_like_any_other() -> None:
    engine = Engine()
    pool = ServingPool(engine.make, engine.recycle, size=0, keep=1)
    pool.start()
    made: list[ServingContainer] = []

    def callers_own() -> ServingContainer:
        made.append(engine.make())
        return made[-1]

    serving = pool.make_now(callers_own)
    pool.give_back(serving)

    assert ([serving], 1) == (made, pool.ready)
    assert serving is pool.take()
    pool.close()
