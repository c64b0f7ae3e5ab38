"""Warm containers killed behind the service's back (as when the engine restarts): the
submission that finds one is answered with an infrastructure error, never a verdict, and
every other warm container is discarded, so the next submission is graded normally."""

from __future__ import annotations

import time
from collections.abc import Callable

import docker
import pytest
from docker.models.containers import Container
from prometheus_client.parser import text_string_to_metric_families

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, StepLimits
from coderunner.errors import InfrastructureError
from coderunner.metrics.prometheus import PrometheusMetrics
from coderunner.sandbox.docker_sandbox import DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

POOL, POOL_LIMITS = 2, StepLimits(wall_s=20, memory_mb=512, cpus=1.0, output_limit_bytes=64 * 1024)
HELLO = '#include <cstdio>\nint main() { std::printf("hello"); }'


def parse(text: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text.decode())
        for s in family.samples
    }


def wait_for(condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


async def test_dead_warm_containers_are_discarded_and_the_next_submission_passes(
    cpp_job: Callable[..., SandboxJob],
    containers: Callable[[], list[Container]],
    docker_client: docker.DockerClient,
    make_sandbox: Callable[..., DockerSandbox],
) -> None:
    metrics = PrometheusMetrics()
    sandbox = make_sandbox(metrics=metrics)
    sandbox.start_pool("coderunner-cpp", POOL, POOL_LIMITS)
    try:
        wait_for(lambda: sandbox.warm_ready("coderunner-cpp") == POOL)
        # Given every warm container killed without the service knowing
        for container in containers():
            docker_client.api.kill(container.id)
        # When a submission takes one: an infrastructure error, not a verdict
        with pytest.raises(InfrastructureError):
            await sandbox.execute(cpp_job(HELLO))
        # Then the next one runs in a fresh container and passes
        run = await sandbox.execute(cpp_job(HELLO))
        assert (ProcessStatus.SUCCESS, b"hello") == (run.run[0].status, run.run[0].stdout)
        # And no killed container is left: the pool holds new ones only
        wait_for(lambda: all(c.status == "running" for c in containers()) and len(containers()) == POOL)
        # And the metrics tell the story: one failure of ours, two warm takes, a full pool again
        samples = parse(metrics.exposition())
        assert 1 == sum(v for (name, _), v in samples.items() if name == "coderunner_sandbox_failures_total")
        assert 2 == sum(v for (name, _), v in samples.items() if name == "coderunner_warm_pool_takes_total")
        assert POOL == samples[("coderunner_warm_pool_ready", (("image", "coderunner-cpp"),))]
    finally:
        sandbox.close()
    assert [] == containers()
