"""Processes: nothing a program starts outlives its step, and the supervisor, another user
than the program, cannot be signalled by it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from docker.models.containers import Container

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, Step, StepLimits
from coderunner.sandbox.docker_sandbox import OUTSIDE_GRACE_S, DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]

JobOf = Callable[..., SandboxJob]
HELLO = '#include <cstdio>\nint main() { std::puts("hello"); }'
SHORT = StepLimits(wall_s=2, memory_mb=64, cpus=1.0, output_limit_bytes=64 * 1024)


async def _hello_after(sandbox: DockerSandbox, cpp_job: JobOf, delay_s: float) -> tuple[float, ProcessStatus, bytes]:
    await asyncio.sleep(delay_s)
    started = time.monotonic()
    outcome = (await sandbox.execute(cpp_job(HELLO))).run[0]
    return time.monotonic() - started, outcome.status, outcome.stdout


async def test_a_fork_bomb_is_contained_and_a_concurrent_sandbox_runs_normally(
    sandbox: DockerSandbox, cpp_job: JobOf
) -> None:
    """The pids limit stops the bomb; its main process never ends, so it times out."""
    bomb = cpp_job("#include <unistd.h>\nint main() { for (;;) fork(); }", run_limits=SHORT)

    bombed, (elapsed, status, stdout) = await asyncio.gather(sandbox.execute(bomb), _hello_after(sandbox, cpp_job, 1.0))

    assert ProcessStatus.TIMEOUT == bombed.run[0].status
    assert (ProcessStatus.SUCCESS, b"hello\n") == (status, stdout)
    assert elapsed < 5, f"a normal job took {elapsed:.1f} s next to a fork bomb"
    # And right after: the host has recovered.
    assert (ProcessStatus.SUCCESS, b"hello\n") == (await _hello_after(sandbox, cpp_job, 0))[1:]


async def test_a_background_process_left_by_one_step_is_gone_in_the_next(
    sandbox: DockerSandbox, shell_job: JobOf
) -> None:
    """crsup kills everything of the step's user when the step ends, detached or not."""
    list_processes = "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done"
    job = shell_job(
        "sleep 1000 & ( setsid sleep 1000 >/dev/null 2>&1 & ) ; echo started",
        list_processes,
    )

    first, second = (await sandbox.execute(job)).run

    assert (ProcessStatus.SUCCESS, b"started\n") == (first.status, first.stdout)
    assert ProcessStatus.SUCCESS == second.status
    assert b"sleep 1000" not in second.stdout
    assert b"sleep infinity" in second.stdout  # the listing did see the other processes


def _host_processes_with(marker: bytes) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


async def test_nothing_the_program_started_survives_the_job_on_the_host(
    sandbox: DockerSandbox, shell_job: JobOf
) -> None:
    marker = "31337.25"
    job = shell_job(f"( setsid sleep {marker} >/dev/null 2>&1 & ) ; sleep {marker} & echo left")

    outcome = (await sandbox.execute(job)).run[0]

    assert b"left\n" == outcome.stdout
    assert [] == _host_processes_with(f"sleep\0{marker}".encode())


async def test_a_program_ignoring_sigterm_times_out(sandbox: DockerSandbox, cpp_job: JobOf) -> None:
    source = """
        #include <csignal>
        int main() { std::signal(SIGTERM, SIG_IGN); for (volatile int i = 0;; ) i = i + 1; }
    """
    outcome = (await sandbox.execute(cpp_job(source, run_limits=SHORT))).run[0]

    assert ProcessStatus.TIMEOUT == outcome.status
    assert "SIGKILL" == outcome.signal


async def test_a_program_that_tries_to_stop_its_supervisor_is_timed_out_by_the_supervisor(
    sandbox: DockerSandbox, cpp_job: JobOf, leftovers: Callable[[], list[Container]]
) -> None:
    """crsup runs as another user than the program, so its SIGSTOP fails: crsup itself ends
    the program at the budget (not the service's outside deadline, budget + grace), and a
    concurrent sandbox is unaffected."""
    source = """
        #include <csignal>
        #include <unistd.h>
        int main() { kill(getppid(), SIGSTOP); for (;;) pause(); }
    """
    started = time.monotonic()

    stopped, (_, status, stdout) = await asyncio.gather(
        sandbox.execute(cpp_job(source, run_limits=SHORT)), _hello_after(sandbox, cpp_job, 1.0)
    )

    elapsed = time.monotonic() - started
    outcome = stopped.run[0]
    # Reported by crsup, which killed it (a supervisor lost at the outside deadline leaves no signal).
    assert (ProcessStatus.TIMEOUT, "SIGKILL") == (outcome.status, outcome.signal)
    assert elapsed < SHORT.wall_s + OUTSIDE_GRACE_S + 3
    assert (ProcessStatus.SUCCESS, b"hello\n") == (status, stdout)
    assert [] == leftovers()


ATTACK_SUPERVISOR = """
    #include <cerrno>
    #include <csignal>
    #include <cstdio>
    #include <cstring>
    #include <initializer_list>
    #include <unistd.h>
    int main() {
        pid_t supervisor = getppid();
        for (int sig : {SIGSTOP, SIGKILL, SIGTERM}) {
            int failed = kill(supervisor, sig);
            std::printf("%s %s\\n", strsignal(sig), failed ? strerrorname_np(errno) : "sent");
        }
        kill(-1, SIGSTOP);  // every process it may signal: none but its own
        kill(-1, SIGKILL);
        std::puts("still here");
    }
"""


async def test_a_program_cannot_kill_or_stop_its_supervisor_and_the_next_tests_run(
    sandbox: DockerSandbox, cpp_job: JobOf
) -> None:
    """Every signal to crsup is refused (EPERM): the step's own result is reported, and so
    are the steps after it."""
    job = cpp_job(ATTACK_SUPERVISOR)
    job = replace(job, run=(Step("attack", ("./program",)), Step("after", ("sh", "-c", "echo after"))))

    attack, after = (await sandbox.execute(job)).run

    assert ProcessStatus.SUCCESS == attack.status, attack.stderr
    assert b"Stopped (signal) EPERM\nKilled EPERM\nTerminated EPERM\nstill here\n" == attack.stdout
    assert (ProcessStatus.SUCCESS, b"after\n") == (after.status, after.stdout)


async def test_a_step_holds_no_capability_and_cannot_regain_one(sandbox: DockerSandbox, shell_job: JobOf) -> None:
    """crsup holds CAP_SETUID/SETGID/SETPCAP to become the runner; the test process has none,
    not even in its bounding set, and no-new-privileges is on."""
    job = shell_job("grep -E '^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/self/status")

    outcome = (await sandbox.execute(job)).run[0]

    status = dict(line.split(":", 1) for line in outcome.stdout.decode().splitlines())
    assert {"0000000000000000"} == {status[f"Cap{kind}"].strip() for kind in ("Inh", "Prm", "Eff", "Bnd", "Amb")}
    assert "1" == status["NoNewPrivs"].strip()
    assert "" == status["Groups"].strip()
    uids = set(status["Uid"].split())  # real, effective, saved, filesystem
    assert 1 == len(uids)
    assert "0" not in uids


async def test_a_program_cannot_ptrace_or_read_its_supervisor(sandbox: DockerSandbox, cpp_job: JobOf) -> None:
    """crsup is non-dumpable (and ptrace is outside the seccomp profile)."""
    source = """
        #include <sys/ptrace.h>
        #include <fcntl.h>
        #include <dirent.h>
        #include <unistd.h>
        #include <cstdio>
        #include <string>
        int main() {
            pid_t parent = getppid();
            std::string proc = "/proc/" + std::to_string(parent);
            std::printf("ptrace %s\\n", ptrace(PTRACE_ATTACH, parent, nullptr, nullptr) == 0 ? "attached" : "refused");
            std::printf("mem %s\\n", open((proc + "/mem").c_str(), O_RDONLY) >= 0 ? "opened" : "refused");
            std::printf("fd %s\\n", opendir((proc + "/fd").c_str()) ? "listed" : "refused");
            std::printf("stdout %s\\n", open((proc + "/fd/1").c_str(), O_WRONLY) >= 0 ? "opened" : "refused");
        }
    """
    outcome = (await sandbox.execute(cpp_job(source))).run[0]

    assert ProcessStatus.SUCCESS == outcome.status
    assert b"ptrace refused\nmem refused\nfd refused\nstdout refused\n" == outcome.stdout


async def test_a_multithreaded_busy_loop_times_out_within_its_cpu_time(sandbox: DockerSandbox, cpp_job: JobOf) -> None:
    """RLIMIT_CPU (the phase's wall budget times its CPUs, hard +1 s) and the wall budget race here;
    either way it is a timeout, and the CPU time spent stays within the rlimit."""
    limits = StepLimits(wall_s=2, memory_mb=64, cpus=2.0, output_limit_bytes=1024)
    source = """
        #include <thread>
        #include <vector>
        int main() {
            std::vector<std::thread> threads;
            for (int t = 0; t < 4; ++t) threads.emplace_back([] { for (volatile long i = 0;; ) i = i + 1; });
            for (auto& t : threads) t.join();
        }
    """
    outcome = (await sandbox.execute(cpp_job(source, run_limits=limits))).run[0]

    assert ProcessStatus.TIMEOUT == outcome.status
    assert outcome.signal in {"SIGXCPU", "SIGKILL"}
    assert outcome.cpu_ms <= 5000


async def test_the_cpu_rlimit_is_the_wall_budget_times_the_cpus(sandbox: DockerSandbox, shell_job: JobOf) -> None:
    limits = StepLimits(wall_s=2, memory_mb=64, cpus=2.0, output_limit_bytes=1024)

    outcome = (await sandbox.execute(shell_job("ulimit -S -t; ulimit -H -t", run_limits=limits))).run[0]

    assert b"4\n5\n" == outcome.stdout
