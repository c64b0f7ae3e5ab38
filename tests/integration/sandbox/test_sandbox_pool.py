"""Pre-warmed containers: each serves one submission, then is removed; none leaks."""

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
JobOf = Callable[..., SandboxJob]

WRITE_MARKER = """
#include <cstdio>
#include <fstream>
int main() {
    std::ifstream seen("/tmp/marker");
    std::printf(seen ? "stale" : "fresh");
    std::ofstream("/tmp/marker") << "left by an earlier submission";
}
"""


def wait_for(condition: object, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# Single-use warm containers are the container mode's (a serving pool: test_sandbox_reuse.py).
@pytest.mark.parametrize("isolation", ["container"], indirect=True)
async def test_a_warm_container_serves_one_submission_and_is_replaced(
    sandbox: DockerSandbox, cpp_job: JobOf, containers: Callable[[], list[Container]]
) -> None:
    """Two submissions in a row each find a fresh container: nothing the first wrote is seen."""
    # Given a pool of two ready containers
    sandbox.start_pool("coderunner-cpp", 2, POOL_LIMITS)
    try:
        wait_for(lambda: len(containers()) == 2)
        warm_ids = {c.id for c in containers()}
        # When two submissions run one after the other
        first = await sandbox.execute(cpp_job(WRITE_MARKER))
        second = await sandbox.execute(cpp_job(WRITE_MARKER))
        # Then both ran in fresh containers that were removed, and the pool refilled
        assert [b"fresh", b"fresh"] == [first.run[0].stdout, second.run[0].stdout]
        assert ProcessStatus.SUCCESS == second.run[0].status
        wait_for(lambda: len(containers()) == 2)
        assert warm_ids.isdisjoint({c.id for c in containers()})
    finally:
        sandbox.close()
    # And closing the pool removes every waiting container
    assert [] == containers()


async def test_different_compile_limits_are_applied_to_a_warm_container(sandbox: DockerSandbox, cpp_job: JobOf) -> None:
    """A submission asking for less compile memory than the pool's gets it enforced."""
    sandbox.start_pool("coderunner-cpp", 1, POOL_LIMITS)
    try:
        wait_for(lambda: sandbox.warm_ready("coderunner-cpp") == 1)
        tight = POOL_LIMITS.__class__(POOL_LIMITS.wall_s, 32, POOL_LIMITS.cpus, POOL_LIMITS.output_limit_bytes)
        run = await sandbox.execute(cpp_job("#include <bits/stdc++.h>\nint main(){}", compile_limits=tight))
        assert ProcessStatus.MEMORY_LIMIT == run.compile[0].status
    finally:
        sandbox.close()
