"""A sandbox container lives exactly as long as its job: it is removed however the job ends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import docker
import docker.errors
import pytest
from docker.models.containers import Container

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, Step, StepLimits
from coderunner.errors import SandboxFailure
from coderunner.sandbox.docker_sandbox import DockerSandbox
from coderunner.sandbox.hardening import LABEL_INSTANCE, LABEL_ROLE, ROLE_SANDBOX
from coderunner.sandbox.supervisor import InvalidJob

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]

JobOf = Callable[..., SandboxJob]
Containers = Callable[[], list[Container]]
SHORT = StepLimits(wall_s=1, memory_mb=64, cpus=1.0, output_limit_bytes=1024)


@pytest.mark.parametrize(
    ("script", "status"),
    [
        ("echo ok", ProcessStatus.SUCCESS),
        ("while :; do :; done", ProcessStatus.TIMEOUT),
        ("kill -SEGV $$", ProcessStatus.RUNTIME_ERROR),
    ],
)
async def test_the_container_is_removed_whatever_the_outcome(
    sandbox: DockerSandbox, shell_job: JobOf, leftovers: Containers, script: str, status: ProcessStatus
) -> None:
    outcome = (await sandbox.execute(shell_job(script, run_limits=SHORT))).run[0]

    assert status == outcome.status
    assert [] == leftovers()


async def test_a_container_killed_under_a_running_job_is_a_sandbox_failure_and_is_removed(
    sandbox: DockerSandbox, shell_job: JobOf, containers: Containers, leftovers: Containers
) -> None:
    """Our failure, so an exception (never a verdict about the program), and nothing is left."""

    async def kill_it_during_the_test() -> None:
        while not (found := await asyncio.to_thread(containers)):
            await asyncio.sleep(0.05)
        # Once the test runs, not during the set-up (which a loaded host can make slow).
        while not any("sleep 20" in " ".join(p) for p in await asyncio.to_thread(_processes, found[0])):
            await asyncio.sleep(0.05)
        await asyncio.to_thread(found[0].kill)

    with pytest.raises(SandboxFailure, match="stopped under the job"):
        await asyncio.gather(sandbox.execute(shell_job("sleep 20")), kill_it_during_the_test())

    assert [] == leftovers()


def _processes(container: Container) -> list[list[str]]:
    """The command lines running in ``container`` (none while it is not running)."""
    try:
        return [entry[-1:] for entry in container.top()["Processes"] or []]
    except docker.errors.APIError:
        return []


async def test_cancelling_the_caller_removes_the_container_within_2_s(
    sandbox: DockerSandbox, shell_job: JobOf, containers: Containers
) -> None:
    # Given a job sleeping for 20 s
    task = asyncio.create_task(sandbox.execute(shell_job("sleep 20", run_limits=StepLimits(30, 64, 1.0, 1024))))
    while not await asyncio.to_thread(containers):
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # well into the run phase

    # When its caller is cancelled
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    # Then the container is gone, soon
    while await asyncio.to_thread(containers):
        assert time.monotonic() - started < 2.0, "the container outlived its cancelled caller"
        await asyncio.sleep(0.05)


async def test_the_reaper_removes_leftovers_of_its_instance_only(
    docker_client: docker.DockerClient, cpp_image: str, make_sandbox: Callable[..., DockerSandbox]
) -> None:
    # Given two stray sandboxes of a crashed instance and one of another
    def stray(instance: str) -> Container:
        labels = {LABEL_ROLE: ROLE_SANDBOX, LABEL_INSTANCE: instance}
        return docker_client.containers.run(
            cpp_image, ["sleep", "infinity"], labels=labels, network_mode="none", detach=True
        )

    crashed = make_sandbox(instance="test-reaper-crashed", isolation="container")
    other = make_sandbox(instance="test-reaper-other", isolation="container")
    mine = [stray("test-reaper-crashed"), stray("test-reaper-crashed")]
    theirs = stray("test-reaper-other")
    try:
        # When the crashed instance's successor reaps
        reaped = await crashed.reap()

        # Then only its own are gone
        assert 2 == reaped
        for container in mine:
            with pytest.raises(docker.errors.NotFound):
                container.reload()
        theirs.reload()
        assert "running" == theirs.status
    finally:
        await other.reap()


@pytest.mark.parametrize(
    ("step", "field"),
    [
        (Step("run", ()), "run[0].argv"),
        (Step("run", ("echo", "a\tb")), "run[0].argv[1]"),
        (Step("run", ("echo",), stdin_path="../etc/passwd"), "run[0].stdin_path"),
        (Step("two words", ("echo",)), "run[0].name"),
    ],
)
async def test_an_invalid_step_is_refused_naming_the_field_before_any_container_exists(
    sandbox: DockerSandbox, shell_job: JobOf, leftovers: Containers, step: Step, field: str
) -> None:
    job = shell_job()
    job = SandboxJob(job.image, job.files, job.compile, job.compile_limits, (step,), job.run_limits)

    with pytest.raises(InvalidJob) as raised:
        await sandbox.execute(job)

    assert field == raised.value.field
    assert field in str(raised.value)
    assert [] == leftovers()
