"""A sandbox reaches no network, writes only its own tmpfs, and shares no user with anyone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from docker.models.containers import Container

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, StepLimits
from coderunner.sandbox.docker_sandbox import DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]

JobOf = Callable[..., SandboxJob]


async def test_a_tcp_connect_to_1_1_1_1_port_53_fails(sandbox: DockerSandbox, shell_job: JobOf) -> None:
    """network none: there is no route anywhere (bash's /dev/tcp does a plain connect())."""
    outcome = (await sandbox.execute(shell_job("exec bash -c 'exec 3<>/dev/tcp/1.1.1.1/53' && echo connected"))).run[0]

    assert ProcessStatus.RUNTIME_ERROR == outcome.status
    assert b"connected" not in outcome.stdout
    assert b"Network is unreachable" in outcome.stderr


async def test_a_dns_lookup_fails(sandbox: DockerSandbox, shell_job: JobOf) -> None:
    outcome = (await sandbox.execute(shell_job("getent ahosts example.com"))).run[0]

    assert ProcessStatus.RUNTIME_ERROR == outcome.status
    assert b"" == outcome.stdout


@pytest.mark.parametrize("path", ["/escape", "/usr/escape", "/workspace/escape", "/opt/coderunner/escape"])
async def test_the_runner_cannot_write_outside_tmp(sandbox: DockerSandbox, shell_job: JobOf, path: str) -> None:
    """The root filesystem is read-only and the workspace belongs to the builder user."""
    outcome = (await sandbox.execute(shell_job(f"echo x > {path}"))).run[0]

    assert ProcessStatus.RUNTIME_ERROR == outcome.status
    assert (b"Read-only file system" in outcome.stderr) or (b"Permission denied" in outcome.stderr)


async def test_the_runner_can_write_tmp(sandbox: DockerSandbox, shell_job: JobOf) -> None:
    outcome = (await sandbox.execute(shell_job("echo x > /tmp/f && cat /tmp/f"))).run[0]

    assert ProcessStatus.SUCCESS == outcome.status
    assert b"x\n" == outcome.stdout


def _host_uids() -> set[int]:
    return {int(line.split(":")[2]) for line in Path("/etc/passwd").read_text().splitlines() if line.count(":") >= 2}


async def test_concurrent_sandboxes_run_as_distinct_uids_of_no_host_account(
    sandbox: DockerSandbox, shell_job: JobOf
) -> None:
    """Per-user kernel limits (inotify, RLIMIT_NPROC) are therefore never shared."""
    job = shell_job("sleep 0.5; id -u")

    first, second = await asyncio.gather(sandbox.execute(job), sandbox.execute(job))

    uids = {int(first.run[0].stdout), int(second.run[0].stdout)}
    assert 2 == len(uids)
    assert 1000 not in uids
    assert set() == uids & _host_uids()


INOTIFY_HOG = """
    #include <sys/inotify.h>
    #include <unistd.h>
    #include <cstdio>
    int main() {
        int n = 0;
        while (inotify_init1(0) >= 0) ++n;   // until the per-user limit (or nofile) says no
        std::printf("%d\\n", n);
        std::fflush(stdout);
        sleep(3);                            // hold them while the other sandbox runs
    }
"""


async def test_inotify_instances_exhausted_in_one_sandbox_leave_another_unaffected(
    sandbox: DockerSandbox, cpp_job: JobOf, shell_job: JobOf
) -> None:
    probe = """
        #include <sys/inotify.h>
        #include <cstdio>
        int main() { std::puts(inotify_init1(0) >= 0 ? "ok" : "refused"); }
    """

    async def probe_later() -> bytes:
        await asyncio.sleep(1.5)  # the hog has compiled and exhausted its instances by then
        return (await sandbox.execute(cpp_job(probe))).run[0].stdout

    hog, probed = await asyncio.gather(sandbox.execute(cpp_job(INOTIFY_HOG)), probe_later())

    assert ProcessStatus.SUCCESS == hog.run[0].status
    # Fewer than nofile (256): it was the per-user limit that stopped the hog.
    assert 0 < int(hog.run[0].stdout) < 256
    assert b"ok\n" == probed


async def test_the_hostname_is_sandbox(sandbox: DockerSandbox, shell_job: JobOf) -> None:
    outcome = (await sandbox.execute(shell_job("cat /proc/sys/kernel/hostname"))).run[0]

    assert b"sandbox\n" == outcome.stdout


async def test_the_image_has_no_setuid_or_setgid_file(sandbox: DockerSandbox, shell_job: JobOf) -> None:
    outcome = (await sandbox.execute(shell_job("find / -xdev -type f -perm /6000 2>/dev/null; true"))).run[0]

    assert ProcessStatus.SUCCESS == outcome.status
    assert b"" == outcome.stdout


async def test_core_dumps_are_disabled_hard(sandbox: DockerSandbox, shell_job: JobOf) -> None:
    outcome = (await sandbox.execute(shell_job("ulimit -S -c; ulimit -H -c"))).run[0]

    assert b"0\n0\n" == outcome.stdout


async def test_no_privilege_is_left_to_the_program(sandbox: DockerSandbox, shell_job: JobOf) -> None:
    """No capabilities (even bounding), no_new_privs, and a seccomp filter in place."""
    job = shell_job("grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status")

    outcome = (await sandbox.execute(job)).run[0]

    assert b"CapEff:\t0000000000000000\nCapBnd:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\n" == outcome.stdout


async def test_the_container_keeps_no_log_on_the_host(
    sandbox: DockerSandbox, shell_job: JobOf, containers: Callable[[], list[Container]]
) -> None:
    """Log driver none: whatever is printed only ever travels, capped, through the exec stream."""
    limits = StepLimits(wall_s=5, memory_mb=64, cpus=1.0, output_limit_bytes=1024)
    # A first step that waits, so the container is surely there to inspect, then a flood of bare newlines.
    job = shell_job("sleep 2", "yes '' | head -c 100000000", run_limits=limits)
    task = asyncio.create_task(sandbox.execute(job))
    try:
        running = await _first_container(containers)
        running.reload()  # the listing carries no HostConfig: inspect it
        log_type, log_path = running.attrs["HostConfig"]["LogConfig"]["Type"], running.attrs["LogPath"]
    finally:
        outcome = (await task).run[1]

    assert "none" == log_type
    assert "" == log_path
    assert ProcessStatus.OUTPUT_LIMIT == outcome.status
    assert b"\n" * 1024 == outcome.stdout


async def _first_container(containers: Callable[[], list[Container]]) -> Container:
    for _ in range(100):
        found = await asyncio.to_thread(containers)
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError("no sandbox container appeared within 5 s")
