"""Warm containers killed behind the service's back (as when the engine restarts).

Single-use ones (container mode): the submission that finds one is answered with an
infrastructure error, never a verdict, and every other warm container is discarded, so
the next submission is graded normally. A serving one (namespaces mode) killed while idle
costs nothing: its supervisor had not acknowledged the submission, so nothing of it ran,
and it goes once more to a fresh container. Killed during a submission, it ends that
submission with an infrastructure error, and the submission is not run again.
"""

from __future__ import annotations

import asyncio
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
    sandbox = make_sandbox(metrics=metrics, isolation="container")
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


def _counts(metrics: PrometheusMetrics) -> dict[str, float]:
    """Sandbox failures by kind, and warm takes (hits and misses together)."""
    counts: dict[str, float] = {}
    for (name, labels), value in parse(metrics.exposition()).items():
        if name == "coderunner_sandbox_failures_total":
            counts[dict(labels)["kind"]] = value
        elif name == "coderunner_warm_pool_takes_total":
            counts["takes"] = counts.get("takes", 0) + value
    return counts


async def test_a_serving_container_killed_while_idle_costs_the_next_submission_nothing(
    cpp_job: Callable[..., SandboxJob],
    containers: Callable[[], list[Container]],
    docker_client: docker.DockerClient,
    make_sandbox: Callable[..., DockerSandbox],
) -> None:
    metrics = PrometheusMetrics()
    sandbox = make_sandbox(metrics=metrics, isolation="namespaces")
    sandbox.start_pool("coderunner-cpp", 1, POOL_LIMITS)
    try:
        wait_for(lambda: sandbox.warm_ready("coderunner-cpp") == 1)
        # Given the idle serving container killed without the service knowing
        [idle] = containers()
        docker_client.api.kill(idle.id)
        docker_client.api.wait(idle.id)
        # When a submission comes: it is graded, in another container
        run = await sandbox.execute(cpp_job(HELLO))
        assert (ProcessStatus.SUCCESS, b"hello") == (run.run[0].status, run.run[0].stdout)
        # Then the dead one is recycled, and the pool holds a running one again
        wait_for(
            lambda: [c.status for c in containers()] == ["running"] and idle.id not in {c.id for c in containers()}
        )
        # And the metrics say so: one dead container found, two takes (the dead one, then a fresh one)
        assert {"serving_container_gone": 1, "takes": 2} == _counts(metrics)
    finally:
        sandbox.close()
    assert [] == containers()


async def test_a_serving_container_killed_during_a_submission_ends_it_without_a_second_run(
    shell_job: Callable[..., SandboxJob],
    containers: Callable[[], list[Container]],
    docker_client: docker.DockerClient,
    make_sandbox: Callable[..., DockerSandbox],
) -> None:
    metrics = PrometheusMetrics()
    sandbox = make_sandbox(metrics=metrics, isolation="namespaces")
    try:
        submission = asyncio.create_task(sandbox.execute(shell_job("sleep 30")))

        def sleeping() -> Container | None:
            for container in containers():
                processes = docker_client.api.top(container.id)["Processes"] or []
                if any("sleep 30" in " ".join(process) for process in processes):
                    return container
            return None

        # Given the submission's session running in its container
        await asyncio.to_thread(wait_for, lambda: sleeping() is not None)
        serving = sleeping()
        assert serving is not None
        # When the container is killed under it
        docker_client.api.kill(serving.id)
        # Then the submission ends with an infrastructure error, never a verdict
        with pytest.raises(InfrastructureError):
            await submission
        # And it was not sent again: one take, no dead idle container counted
        counts = _counts(metrics)
        assert (1, 0) == (counts["takes"], counts.get("serving_container_gone", 0)), counts
        await asyncio.to_thread(wait_for, lambda: not containers())
    finally:
        sandbox.close()
    assert [] == containers()
