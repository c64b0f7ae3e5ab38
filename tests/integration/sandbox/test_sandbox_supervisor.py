"""crsup, the in-container supervisor: what a step inherits, and what it cannot redirect."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, Step, StepLimits
from coderunner.sandbox.docker_sandbox import DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]

LIMITS = StepLimits(wall_s=5, memory_mb=64, cpus=1.0, output_limit_bytes=256 * 1024)
COMPILE = StepLimits(wall_s=20, memory_mb=512, cpus=1.0, output_limit_bytes=64 * 1024)


def _job(*run: Step, compile_script: str = "true", files: dict[str, bytes] | None = None) -> SandboxJob:
    return SandboxJob(
        image="coderunner-cpp",
        files=files or {},
        compile=(Step("prepare", ("sh", "-c", compile_script)),),
        compile_limits=COMPILE,
        run=run,
        run_limits=LIMITS,
    )


def _sh(name: str, script: str, **kwargs: object) -> Step:
    return Step(name, ("sh", "-c", script), **kwargs)  # type: ignore[arg-type]


LIST_FDS = """
    #include <fcntl.h>
    #include <cstdio>
    int main() {
        for (int fd = 0; fd < 1024; ++fd) if (fcntl(fd, F_GETFD) >= 0) std::printf("%d ", fd);
        std::puts("");
    }
"""


async def test_a_step_inherits_only_stdin_stdout_stderr_and_its_report_fd(sandbox: DockerSandbox) -> None:
    """Nothing of crsup's (batch file, capture pipes, the docker exec's fds) leaks into a step."""
    job = SandboxJob(
        image="coderunner-cpp",
        files={"fds.cpp": LIST_FDS.encode()},
        compile=(Step("compile", ("g++", "-O2", "-o", "fds", "fds.cpp")),),
        compile_limits=COMPILE,
        run=(Step("plain", ("./fds",)), Step("reporting", ("./fds",), report=True)),
        run_limits=LIMITS,
    )

    run = await sandbox.execute(job)

    assert [b"0 1 2 \n", b"0 1 2 3 \n"] == [o.stdout for o in run.run]


async def test_what_a_step_writes_to_fd_3_is_its_report(sandbox: DockerSandbox) -> None:
    run = await sandbox.execute(_job(_sh("t", "echo '<ok/>' >&3; echo out; echo err >&2", report=True)))

    outcome = run.run[0]
    assert (b"<ok/>\n", b"out\n", b"err\n") == (outcome.report, outcome.stdout, outcome.stderr)


async def test_a_step_may_reopen_its_own_pipes_by_name(sandbox: DockerSandbox) -> None:
    """doctest writes its report to --out=/dev/fd/3: the pipes are the step user's, not crsup's."""
    script = "echo '<ok/>' > /dev/fd/3; echo out > /dev/stdout; echo err > /dev/stderr"

    outcome = (await sandbox.execute(_job(_sh("t", script, report=True)))).run[0]

    assert (b"<ok/>\n", b"out\n", b"err\n") == (outcome.report, outcome.stdout, outcome.stderr)


@pytest.mark.parametrize(
    ("prepare", "stdin_path"),
    [
        ("ln -s /etc/passwd link", "link"),  # a symlink as the file
        ("ln -s /etc folder", "folder/passwd"),  # a symlink on the way
        ("mkfifo fifo", "fifo"),  # would block the open
        ("ln -s /dev/zero zero", "zero"),
    ],
)
async def test_a_stdin_that_is_not_a_regular_file_of_the_workspace_is_refused(
    sandbox: DockerSandbox, prepare: str, stdin_path: str
) -> None:
    """Even if the compile phase (the builder user) swapped an input for a link or a FIFO."""
    run = await sandbox.execute(_job(Step("t", ("cat",), stdin_path=stdin_path), compile_script=prepare))

    outcome = run.run[0]
    assert (ProcessStatus.RUNTIME_ERROR, 126) == (outcome.status, outcome.exit_code)
    assert b"" == outcome.stdout
    assert outcome.stderr.startswith(b"crsup: stdin: ")


async def test_a_regular_stdin_file_in_a_subfolder_is_read(sandbox: DockerSandbox) -> None:
    run = await sandbox.execute(_job(Step("t", ("cat",), stdin_path="tests/1.in"), files={"tests/1.in": b"42\n"}))

    assert (ProcessStatus.SUCCESS, b"42\n") == (run.run[0].status, run.run[0].stdout)


async def test_everything_written_before_the_step_exits_is_captured(sandbox: DockerSandbox) -> None:
    """More than a pipe buffer, written just before exiting: crsup drains it all."""
    run = await sandbox.execute(_job(_sh("t", "head -c 200000 /dev/zero; exit 0")))

    assert (ProcessStatus.SUCCESS, 200_000) == (run.run[0].status, len(run.run[0].stdout))


async def test_a_leftover_holding_stdout_does_not_keep_the_step_running(sandbox: DockerSandbox) -> None:
    """It is killed when the step exits, so what it would print later is not the step's."""
    run = await sandbox.execute(_job(_sh("t", "(sleep 2; echo late) & echo early")))

    outcome = run.run[0]
    assert (ProcessStatus.SUCCESS, b"early\n") == (outcome.status, outcome.stdout)
    assert outcome.wall_ms < 1000


async def test_orphans_are_reaped_during_the_step_so_zombies_never_fill_the_pids_limit(
    sandbox: DockerSandbox, cpp_job: Callable[..., SandboxJob]
) -> None:
    """500 double-forked grandchildren (the pids limit is 128) each come to crsup as orphans."""
    source = """
        #include <sys/wait.h>
        #include <unistd.h>
        #include <cstdio>
        int main() {
            for (int i = 0; i < 500; ++i) {
                pid_t child = fork();
                if (child < 0) { std::printf("fork failed at %d\\n", i); return 1; }
                if (child == 0) { if (fork() == 0) _exit(0); _exit(0); }
                waitpid(child, nullptr, 0);
                usleep(1000);
            }
            std::puts("ok");
        }
    """
    job = cpp_job(source)

    outcome = (await sandbox.execute(job)).run[0]

    assert (ProcessStatus.SUCCESS, b"ok\n") == (outcome.status, outcome.stdout)
