"""What a program does becomes exactly one status, measured from outside the program."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, StepLimits
from coderunner.sandbox.docker_sandbox import DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]

JobOf = Callable[..., SandboxJob]


async def test_a_correct_program_succeeds_with_its_stdout(sandbox: DockerSandbox, cpp_job: JobOf) -> None:
    """It reads the stdin file it was given and what it prints is returned as is."""
    source = """
        #include <iostream>
        #include <string>
        int main() { std::string name; std::cin >> name; std::cout << "hello " << name << "\\n"; }
    """
    run = await sandbox.execute(cpp_job(source, b"world\n"))

    assert ProcessStatus.SUCCESS == run.compile[0].status
    outcome = run.run[0]
    assert ProcessStatus.SUCCESS == outcome.status
    assert b"hello world\n" == outcome.stdout
    assert 0 == outcome.exit_code
    assert outcome.signal is None
    assert outcome.peak_memory_kb > 0


async def test_a_compile_error_is_the_compile_steps_runtime_error_with_gccs_message(
    sandbox: DockerSandbox, cpp_job: JobOf
) -> None:
    """The program is never run; gcc's diagnostic is in the compile step's stderr."""
    run = await sandbox.execute(cpp_job("int main() { return undeclared_name; }"))

    assert ProcessStatus.RUNTIME_ERROR == run.compile[0].status
    message = "solution.cpp:1:21: error: ‘undeclared_name’ was not declared in this scope"
    assert message in run.compile[0].stderr.decode()
    assert (ProcessStatus.NOT_RUN,) == tuple(o.status for o in run.run)
    assert not run.compiled


async def test_a_null_pointer_write_is_a_runtime_error_by_sigsegv(sandbox: DockerSandbox, cpp_job: JobOf) -> None:
    source = "int main() { volatile int* p = nullptr; *p = 1; return 0; }"

    outcome = (await sandbox.execute(cpp_job(source))).run[0]

    assert ProcessStatus.RUNTIME_ERROR == outcome.status
    assert "SIGSEGV" == outcome.signal
    assert outcome.exit_code is None


async def test_an_infinite_loop_times_out_within_the_limit_plus_1_5_s(sandbox: DockerSandbox, cpp_job: JobOf) -> None:
    """Measured around the whole job (container, compile, run, removal)."""
    limits = StepLimits(wall_s=1.0, memory_mb=64, cpus=1.0, output_limit_bytes=1024)
    job = cpp_job("int main() { for (volatile int i = 0;; ) i = i + 1; }", run_limits=limits)

    started = time.monotonic()
    outcome = (await sandbox.execute(job)).run[0]
    elapsed = time.monotonic() - started

    assert ProcessStatus.TIMEOUT == outcome.status
    assert elapsed < limits.wall_s + 1.5
    # RLIMIT_CPU (1 s here) may end it a few ms before the wall budget does.
    assert 900 <= outcome.wall_ms < 1500


async def test_touching_1_gb_is_a_memory_limit(sandbox: DockerSandbox, cpp_job: JobOf) -> None:
    """The cgroup OOM killer ends it; the run limit is 128 MB."""
    source = """
        #include <cstdlib>
        int main() {
            const std::size_t size = std::size_t(1) << 30;
            volatile char* p = static_cast<char*>(std::malloc(size));
            if (!p) return 3;
            for (std::size_t i = 0; i < size; i += 4096) p[i] = 1;  // volatile: every page is really touched
            return 0;
        }
    """
    outcome = (await sandbox.execute(cpp_job(source))).run[0]

    assert ProcessStatus.MEMORY_LIMIT == outcome.status
    assert "SIGKILL" == outcome.signal


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


async def test_printing_200_mb_is_an_output_limit_with_stdout_capped_and_service_memory_bounded(
    sandbox: DockerSandbox, cpp_job: JobOf
) -> None:
    """The service never holds more than a few caps' worth of the flood (peak RSS growth of this process)."""
    cap = 4 * 1024 * 1024
    limits = StepLimits(wall_s=10, memory_mb=128, cpus=1.0, output_limit_bytes=cap)
    source = """
        #include <cstdio>
        #include <vector>
        int main() {
            std::vector<char> block(1 << 20, 'x');
            for (int i = 0; i < 200; ++i) std::fwrite(block.data(), 1, block.size(), stdout);
        }
    """
    job = cpp_job(source, run_limits=limits)
    await sandbox.execute(cpp_job("int main() {}"))  # warm up: imports, threads, buffers
    # Given the peak RSS reset to the current one
    Path("/proc/self/clear_refs").write_text("5")
    baseline_kb = _rss_kb("VmRSS")

    # When the program floods stdout
    outcome = (await sandbox.execute(job)).run[0]

    # Then
    growth_kb = _rss_kb("VmHWM") - baseline_kb
    assert ProcessStatus.OUTPUT_LIMIT == outcome.status
    assert cap == len(outcome.stdout)
    assert outcome.stdout_truncated
    assert growth_kb < 3 * cap // 1024, f"peak RSS grew by {growth_kb} kB"
