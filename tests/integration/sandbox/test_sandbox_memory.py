"""Memory: memory-backed files (memfd, tmpfs, /dev/shm) are memory. They count in a step's
peak and meet the memory limit (``memory_limit``), not the file-size limit."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, StepLimits
from coderunner.sandbox.docker_sandbox import DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]

JobOf = Callable[..., SandboxJob]
LIMITS = StepLimits(wall_s=5, memory_mb=128, cpus=1.0, output_limit_bytes=64 * 1024)
MIB_KB = 1024
# The cgroup charges memory in per-CPU batches (a few hundred kB each), so a measured
# growth may fall short of what was really added by up to about this much.
SLACK_KB = MIB_KB

# Fills memfd files 1 MiB at a time (a new file every FILE_MIB) until something stops it;
# with HOLD_MIB >= 0, stops there, keeps the files for 300 ms and exits 0.
MEMFD = """
    #include <sys/mman.h>
    #include <unistd.h>
    #include <vector>
    int main() {
        std::vector<char> chunk(1 << 20, 'x');
        int fd = memfd_create("bomb", 0);
        for (long i = 1; HOLD_MIB < 0 || i <= HOLD_MIB; ++i) {
            if (write(fd, chunk.data(), chunk.size()) != (ssize_t)chunk.size()) return 3;
            if (i % FILE_MIB == 0) fd = memfd_create("bomb", 0);
        }
        usleep(300000);
    }
"""


def _memfd(hold_mib: int, file_mib: int = 1 << 20) -> str:
    return MEMFD.replace("HOLD_MIB", str(hold_mib)).replace("FILE_MIB", str(file_mib))


@pytest.mark.parametrize("file_mib", [1 << 20, 32], ids=["one-file", "32-mib-files"])
async def test_a_memfd_bomb_is_a_memory_limit_with_the_limit_as_its_peak(
    sandbox: DockerSandbox, cpp_job: JobOf, file_mib: int
) -> None:
    """One file used to be an output_limit (SIGXFSZ at 64 MiB); either way the peak was 2-4 MB."""
    outcome = (await sandbox.execute(cpp_job(_memfd(-1, file_mib), run_limits=LIMITS))).run[0]

    assert (ProcessStatus.MEMORY_LIMIT, "SIGKILL") == (outcome.status, outcome.signal)
    assert outcome.peak_memory_kb >= 100 * MIB_KB, outcome.peak_memory_kb


async def test_memory_held_in_memfd_files_counts_in_the_peak(sandbox: DockerSandbox, cpp_job: JobOf) -> None:
    """96 MiB in memfd files, under the 128 MB limit: a success whose peak shows them."""
    outcome = (await sandbox.execute(cpp_job(_memfd(96, 32), run_limits=LIMITS))).run[0]

    assert ProcessStatus.SUCCESS == outcome.status, outcome.stderr
    assert 96 * MIB_KB - SLACK_KB <= outcome.peak_memory_kb < LIMITS.memory_mb * MIB_KB


async def test_a_single_memory_backed_file_may_grow_past_the_disk_file_size_limit(
    sandbox: DockerSandbox, cpp_job: JobOf
) -> None:
    """RLIMIT_FSIZE (64 MB for the compile phase's disk-like workspace) is a test's memory
    limit: 80 MiB in one memfd file is memory, under 128 MB, so it is allowed."""
    outcome = (await sandbox.execute(cpp_job(_memfd(80), run_limits=LIMITS))).run[0]

    assert ProcessStatus.SUCCESS == outcome.status, outcome.stderr
    assert outcome.peak_memory_kb >= 80 * MIB_KB - SLACK_KB


async def test_a_file_held_in_tmp_counts_in_the_peak(sandbox: DockerSandbox, shell_job: JobOf) -> None:
    outcome = (await sandbox.execute(shell_job("head -c 24M /dev/zero > /tmp/f && sleep 0.3"))).run[0]

    assert ProcessStatus.SUCCESS == outcome.status, outcome.stderr
    assert outcome.peak_memory_kb >= 24 * MIB_KB - SLACK_KB


async def test_files_left_by_an_earlier_step_do_not_count_in_a_later_steps_peak(
    sandbox: DockerSandbox, shell_job: JobOf
) -> None:
    """The peak is the growth during the step: the 24 MiB left in /tmp belong to the first."""
    first, second = (await sandbox.execute(shell_job("head -c 24M /dev/zero > /tmp/f", "sleep 0.3"))).run

    assert first.peak_memory_kb >= 24 * MIB_KB - SLACK_KB
    assert second.peak_memory_kb < 8 * MIB_KB
