"""A language's warm pool costs nothing until its first submission, then keeps containers ready."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from docker.models.containers import Container

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, StepLimits
from coderunner.sandbox.docker_sandbox import DockerSandbox

pytestmark = pytest.mark.integration

POOL_LIMITS = StepLimits(wall_s=20, memory_mb=512, cpus=1.0, output_limit_bytes=64 * 1024)
IMAGE = "coderunner-cpp"


def wait_for(condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


async def test_a_pool_on_first_use_starts_nothing_until_its_image_is_used(
    sandbox: DockerSandbox, cpp_job: Callable[..., SandboxJob], containers: Callable[[], list[Container]]
) -> None:
    # Given a pool planned for first use
    sandbox.pool_on_first_use(IMAGE, 2, POOL_LIMITS)
    try:
        # Then no container exists while nobody submits
        time.sleep(0.5)
        assert ([], 0) == (containers(), sandbox.warm_ready(IMAGE))
        # When the first job of that image runs (in a container of its own)
        run = await sandbox.execute(cpp_job("int main() {}"))
        assert ProcessStatus.SUCCESS == run.run[0].status
        # Then the pool fills up for the next ones
        wait_for(lambda: sandbox.warm_ready(IMAGE) == 2)
        assert 2 == len(containers())
    finally:
        sandbox.close()
    assert [] == containers()
