"""The compiler is untrusted input's first victim: its time, memory and output are capped too."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, StepLimits
from coderunner.sandbox.docker_sandbox import OUTSIDE_GRACE_S, DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]

JobOf = Callable[..., SandboxJob]

# Each Check<K> makes g++ run 2^25 constexpr operations (seconds) before it gives up on
# that one; there are a thousand of them, so this compiles for about an hour.
CONSTEXPR_BOMB = """
#include <utility>
template <int K> constexpr long spin() {
    long s = K;
    for (long i = 0; i < 200000; ++i)
        for (long j = 0; j < 200000; ++j) s += i ^ j;
    return s;
}
template <int K> struct Check { static_assert(spin<K>() != 1); };
template <int... K> constexpr int all(std::integer_sequence<int, K...>) { return (sizeof(Check<K>) + ...); }
constexpr int n = all(std::make_integer_sequence<int, 1000>{});
int main() {}
"""


async def test_a_compile_time_bomb_times_out_within_the_compile_limit_plus_grace(
    sandbox: DockerSandbox, cpp_job: JobOf
) -> None:
    limits = StepLimits(wall_s=3, memory_mb=512, cpus=1.0, output_limit_bytes=64 * 1024)
    started = time.monotonic()

    run = await sandbox.execute(cpp_job(CONSTEXPR_BOMB, compile_limits=limits))

    elapsed = time.monotonic() - started
    assert ProcessStatus.TIMEOUT == run.compile[0].status
    assert (ProcessStatus.NOT_RUN,) == tuple(o.status for o in run.run)
    assert elapsed < limits.wall_s + OUTSIDE_GRACE_S


async def test_a_compile_needing_more_memory_than_allowed_is_a_memory_limit(
    sandbox: DockerSandbox, cpp_job: JobOf, isolation: str
) -> None:
    """cc1plus needs far more than 32 MB for <bits/stdc++.h>; in a single-use container the
    OOM killer picks it (not crsup). A serving container is sized for its largest phase,
    and crsup enforces the compile phase's own limit by ending the whole step."""
    limits = StepLimits(wall_s=20, memory_mb=32, cpus=1.0, output_limit_bytes=64 * 1024)

    run = await sandbox.execute(cpp_job("#include <bits/stdc++.h>\nint main() {}", compile_limits=limits))

    assert ProcessStatus.MEMORY_LIMIT == run.compile[0].status
    if isolation == "container":
        assert b"Killed signal terminated program cc1plus" in run.compile[0].stderr


async def test_a_flood_of_compiler_diagnostics_is_capped_and_flagged(sandbox: DockerSandbox, cpp_job: JobOf) -> None:
    """A 50-byte file including itself twice makes g++ print without end; it is stopped at the cap."""
    cap = 64 * 1024
    limits = StepLimits(wall_s=10, memory_mb=512, cpus=1.0, output_limit_bytes=cap)

    run = await sandbox.execute(cpp_job("#include __FILE__\n#include __FILE__\nint main() {}\n", compile_limits=limits))

    compile_step = run.compile[0]
    assert ProcessStatus.OUTPUT_LIMIT == compile_step.status
    assert compile_step.stderr_truncated
    assert cap == len(compile_step.stderr)
    assert compile_step.stderr.startswith(b"In file included from solution.cpp:1,\n")
