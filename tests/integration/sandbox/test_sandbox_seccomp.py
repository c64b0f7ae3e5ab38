"""The shipped seccomp profile: what it refuses, and that ordinary programs do not notice it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob
from coderunner.sandbox.docker_sandbox import DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]

JobOf = Callable[..., SandboxJob]

PROBE = """
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sched.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>

static void report(const char* what, long result) {
    std::printf("%s %s\\n", what, result < 0 ? std::strerror(errno) : "allowed");
}

int main() {
    report("vsock", socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
    report("unix", socket(AF_UNIX, SOCK_STREAM, 0));
    report("io_uring_setup", syscall(__NR_io_uring_setup, 8, nullptr));
    report("ptrace", ptrace(PTRACE_TRACEME, 0, nullptr, nullptr));
    report("unshare", unshare(CLONE_NEWUSER));
    report("personality", syscall(__NR_personality, 0x0040000 /* ADDR_NO_RANDOMIZE */));
}
"""


async def test_vsock_io_uring_ptrace_and_namespaces_are_refused_other_sockets_are_not(
    sandbox: DockerSandbox, cpp_job: JobOf
) -> None:
    """Refused calls fail with EPERM. (The 20.10 engine's own default profile allows an
    AF_VSOCK socket and ptrace; the shipped profile is what makes these fail.)"""
    outcome = (await sandbox.execute(cpp_job(PROBE))).run[0]

    assert ProcessStatus.SUCCESS == outcome.status
    assert (
        b"vsock Operation not permitted\n"
        b"unix allowed\n"
        b"io_uring_setup Operation not permitted\n"
        b"ptrace Operation not permitted\n"
        b"unshare Operation not permitted\n"
        b"personality Operation not permitted\n"
    ) == outcome.stdout


async def test_a_32_bit_syscall_kills_the_program_by_sigsys(sandbox: DockerSandbox, cpp_job: JobOf) -> None:
    """No x86 sub-architecture in the profile: int 0x80 (where socketcall would hide a
    socket's address family from the filter) is not a way around it."""
    source = """
        int main() { int pid; asm volatile("int $0x80" : "=a"(pid) : "a"(20 /* i386 getpid */) : "memory"); return 0; }
    """
    outcome = (await sandbox.execute(cpp_job(source))).run[0]

    assert ProcessStatus.RUNTIME_ERROR == outcome.status
    assert "SIGSYS" == outcome.signal


async def test_threads_forks_and_async_work_as_usual(sandbox: DockerSandbox, cpp_job: JobOf) -> None:
    source = """
        #include <sys/wait.h>
        #include <unistd.h>
        #include <atomic>
        #include <cstdio>
        #include <future>
        #include <thread>
        #include <vector>
        int main() {
            std::atomic<int> sum{0};
            std::vector<std::thread> threads;
            for (int t = 1; t <= 4; ++t) threads.emplace_back([&sum, t] { sum += t; });
            for (auto& t : threads) t.join();
            auto later = std::async(std::launch::async, [] { return 5; });
            int exits = 0;
            for (int c = 0; c < 3; ++c) {
                pid_t pid = fork();
                if (pid == 0) _exit(c);
                int status = 0;
                waitpid(pid, &status, 0);
                exits += WEXITSTATUS(status);
            }
            std::printf("%d %d %d\\n", sum.load(), later.get(), exits);
        }
    """
    outcome = (await sandbox.execute(cpp_job(source))).run[0]

    assert ProcessStatus.SUCCESS == outcome.status
    assert b"10 5 3\n" == outcome.stdout
