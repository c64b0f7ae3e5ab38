"""Nothing one submission leaves reaches the next, in either isolation mode.

In the namespaces mode the same container serves all of them (asserted), so this is the
proof that a session's fresh namespaces leave nothing behind: files (workspace, /tmp,
/dev/shm), SysV and POSIX IPC, abstract Unix sockets, processes, environment, rlimits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from docker.models.containers import Container

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, Step
from coderunner.sandbox.docker_sandbox import DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

JobOf = Callable[..., SandboxJob]
PROBE = (Path(__file__).parent / "probes" / "leftovers.cpp").read_bytes()
CLEAN = {
    "workspace": "0",
    "tmp": "0",
    "dev_shm": "0",
    "sysv_shm": "0",
    "sysv_msg": "0",
    "sysv_sem": "0",
    "posix_mq": "0",
    "abstract_socket": "0",
    "process": "0",
    "env_planted": "0",
}
PLANTED = {key: "1" for key in (*CLEAN.keys() - {"workspace", "env_planted"}, "rlimit")}


def _probe_job(cpp_job: JobOf, mode: str) -> SandboxJob:
    # A second compile step (the builder) plants the workspace file: the tests cannot write there.
    plant_workspace = ("sh", "-c", "echo x > /workspace/planted") if mode == "plant" else ("true",)
    job = cpp_job(PROBE.decode(), argv=("./program", mode))
    return replace(job, compile=(*job.compile, Step("workspace", plant_workspace)))


async def _run(sandbox: DockerSandbox, cpp_job: JobOf, mode: str) -> dict[str, str]:
    outcome = (await sandbox.execute(_probe_job(cpp_job, mode))).run[0]
    assert ProcessStatus.SUCCESS == outcome.status, outcome.stderr
    return dict(line.split("=", 1) for line in outcome.stdout.decode().splitlines())


async def test_a_submission_finds_nothing_the_previous_one_planted(
    sandbox: DockerSandbox, cpp_job: JobOf, isolation: str, containers: Callable[[], list[Container]]
) -> None:
    # Given a fresh look, then a submission that plants state of every kind
    before = await _run(sandbox, cpp_job, "look")
    planted = await _run(sandbox, cpp_job, "plant")
    assert PLANTED == planted

    # When the next submission looks
    after = await _run(sandbox, cpp_job, "look")

    # Then it finds none of it, and the same environment and limits as the first
    assert CLEAN == {key: after[key] for key in CLEAN}
    assert CLEAN == {key: before[key] for key in CLEAN}
    assert before["env_names"] == after["env_names"]
    assert before["limits"] == after["limits"]
    if isolation == "namespaces":
        assert 1 == len(containers()), "one serving container must have served all three"


NAMESPACES = """
#define _GNU_SOURCE
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>
static void show(const char *what, long rc) { std::printf("%s=%s\\n", what, rc < 0 ? std::strerror(errno) : "ok"); }
int main() {
    show("unshare_user", unshare(CLONE_NEWUSER));
    show("unshare_net", unshare(CLONE_NEWNET));
    long child = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (child == 0) _exit(0);
    show("clone_newuser", child);
    int fd = open("/proc/self/ns/net", O_RDONLY);
    show("setns", setns(fd, 0));
    show("mount", mount("tmpfs", "/tmp", "tmpfs", 0, ""));
}
"""


async def test_a_submission_cannot_create_namespaces_or_mount(sandbox: DockerSandbox, cpp_job: JobOf) -> None:
    """unshare, clone with CLONE_NEW*, setns and mount all fail: in a single-use container
    by its seccomp profile, in a serving one by crsup's inner filter on top of it."""
    outcome = (await sandbox.execute(cpp_job(NAMESPACES))).run[0]

    assert ProcessStatus.SUCCESS == outcome.status, outcome.stderr
    results = dict(line.split("=", 1) for line in outcome.stdout.decode().splitlines())
    denied = {"Operation not permitted", "Function not implemented"}
    assert set(results) == {"unshare_user", "unshare_net", "clone_newuser", "setns", "mount"}
    assert all(value in denied for value in results.values()), results
