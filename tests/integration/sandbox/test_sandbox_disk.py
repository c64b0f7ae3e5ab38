"""Disk: a sandbox's only writable places are small tmpfs mounts with inode caps, and no
file (sparse or not) may grow past RLIMIT_FSIZE."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob
from coderunner.sandbox.docker_sandbox import DockerSandbox
from coderunner.sandbox.hardening import SandboxPolicy

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]

JobOf = Callable[..., SandboxJob]
POLICY = SandboxPolicy()


def _create_files(folder: str, count: int = 200_000) -> str:
    """Creates empty files until ``count`` or the first failure; prints how many; fails if it stopped early."""
    # printf, not ':', whose failed redirection would end the whole (POSIX) shell at once.
    loop = f"while [ $i -lt {count} ] && printf '' > {folder}/f$i; do i=$((i+1)); done"
    return f"i=0; {loop}; echo $i; [ $i -eq {count} ]"


async def test_creating_200k_files_in_tmp_hits_the_inode_cap(sandbox: DockerSandbox, shell_job: JobOf) -> None:
    outcome = (await sandbox.execute(shell_job(_create_files("/tmp")))).run[0]

    assert ProcessStatus.RUNTIME_ERROR == outcome.status
    assert int(outcome.stdout) < POLICY.tmp_inodes
    assert b"No space left on device" in outcome.stderr


async def test_creating_200k_files_in_the_workspace_hits_the_inode_cap(
    sandbox: DockerSandbox, shell_job: JobOf
) -> None:
    """Only the builder (compile phase) can write the workspace."""
    run = await sandbox.execute(shell_job(compile_scripts=[_create_files("/workspace")]))

    outcome = run.compile[0]
    assert ProcessStatus.RUNTIME_ERROR == outcome.status
    assert int(outcome.stdout) < POLICY.workspace_inodes
    assert b"No space left on device" in outcome.stderr


async def test_a_1_tib_sparse_file_is_an_output_limit_by_sigxfsz(sandbox: DockerSandbox, shell_job: JobOf) -> None:
    outcome = (await sandbox.execute(shell_job("exec dd if=/dev/zero of=/tmp/sparse bs=1 count=1 seek=1T"))).run[0]

    assert ProcessStatus.OUTPUT_LIMIT == outcome.status
    assert "SIGXFSZ" == outcome.signal


async def test_a_write_past_the_file_size_limit_is_an_output_limit_by_sigxfsz(
    sandbox: DockerSandbox, shell_job: JobOf
) -> None:
    """The workspace (128 MB) is larger than RLIMIT_FSIZE (64 MB): the rlimit is what stops this."""
    run = await sandbox.execute(shell_job(compile_scripts=["exec head -c 100M /dev/zero > /workspace/big"]))

    assert ProcessStatus.OUTPUT_LIMIT == run.compile[0].status
    assert "SIGXFSZ" == run.compile[0].signal
