"""create_kwargs: every security setting of a sandbox, checked without an engine."""

from __future__ import annotations

import json
from typing import Any

import pytest

from coderunner.domain.sandbox_job import WORKSPACE, StepLimits
from coderunner.sandbox.hardening import (
    LABEL_INSTANCE,
    LABEL_ROLE,
    LABEL_SERVING,
    ROLE_SANDBOX,
    SandboxPolicy,
    SandboxUsers,
    compile_file_size,
    create_kwargs,
    resource_kwargs,
    run_file_size,
)
from coderunner.sandbox.seccomp import default_profile

LIMITS = StepLimits(wall_s=10, memory_mb=256, cpus=0.5, output_limit_bytes=1 << 20)
USERS = SandboxUsers(builder=700_000, runner=700_001)


def _kwargs(policy: SandboxPolicy | None = None) -> dict[str, Any]:
    return create_kwargs(
        image_id="sha256:abc", limits=LIMITS, policy=policy or SandboxPolicy(), users=USERS, instance="i1", name="n1"
    )


def test_no_network_no_capabilities_but_the_supervisors_no_new_privileges() -> None:
    """Only crsup, as root, holds these three (to make each step another user); see crsup.c."""
    kwargs = _kwargs()

    assert "none" == kwargs["network_mode"]
    assert ["ALL"] == kwargs["cap_drop"]
    assert ["SETUID", "SETGID", "SETPCAP"] == kwargs["cap_add"]
    assert "privileged" not in kwargs
    assert "no-new-privileges:true" in kwargs["security_opt"]


def test_the_root_filesystem_is_read_only_and_only_tmpfs_is_writable() -> None:
    kwargs = _kwargs()

    assert kwargs["read_only"] is True
    assert {WORKSPACE, "/tmp"} == set(kwargs["tmpfs"])
    assert "volumes" not in kwargs
    assert "mounts" not in kwargs


def test_the_tmpfs_mounts_are_small_capped_in_inodes_and_nosuid() -> None:
    policy = SandboxPolicy()
    workspace, tmp = _kwargs(policy)["tmpfs"][WORKSPACE], _kwargs(policy)["tmpfs"]["/tmp"]

    assert f"size={policy.workspace_mb}m" in workspace
    assert f"nr_inodes={policy.workspace_inodes}" in workspace
    assert f"uid={USERS.builder}" in workspace
    assert f"size={policy.tmp_mb}m" in tmp
    assert f"nr_inodes={policy.tmp_inodes}" in tmp
    assert "noexec" in tmp
    for options in (workspace, tmp):
        assert {"nosuid", "nodev"} <= set(options.split(","))


def test_processes_files_and_cores_are_limited() -> None:
    policy = SandboxPolicy()
    kwargs = _kwargs(policy)
    ulimits = {u["Name"]: (u["Soft"], u["Hard"]) for u in kwargs["ulimits"]}

    assert policy.pids_limit == kwargs["pids_limit"]
    assert (policy.nofile, policy.nofile) == ulimits["nofile"]
    assert (policy.file_size_mb << 20, -1) == ulimits["fsize"]  # crsup sets each step's, soft = hard
    assert (0, 0) == ulimits["core"]
    assert f"{policy.shm_mb}m" == kwargs["shm_size"]


def test_memory_has_no_swap_and_cpu_is_a_quota() -> None:
    kwargs = _kwargs()

    assert 256 << 20 == kwargs["mem_limit"] == kwargs["memswap_limit"]
    assert (100_000, 50_000) == (kwargs["cpu_period"], kwargs["cpu_quota"])
    assert resource_kwargs(LIMITS).items() <= kwargs.items()


def test_pid_1_drops_to_the_builder_with_no_log_and_no_init() -> None:
    """The container's user is root so that root execs (crsup) get the capabilities above;
    its PID 1 drops them and becomes the builder before it runs anything."""
    kwargs = _kwargs()

    assert "0:0" == kwargs["user"]
    assert ["crsup", "--as", str(USERS.builder), "--exec", "sleep", "infinity"] == kwargs["command"]
    assert "none" == kwargs["log_config"]["Type"]
    assert kwargs["init"] is False
    assert "sandbox" == kwargs["hostname"]
    assert {LABEL_ROLE: ROLE_SANDBOX, LABEL_INSTANCE: "i1"} == kwargs["labels"]


def test_a_serving_container_says_so_in_a_label_of_its_own() -> None:
    kwargs = create_kwargs(
        image_id="sha256:abc", limits=LIMITS, policy=SandboxPolicy(), users=USERS, instance="i1", name="n", serving=True
    )

    assert {LABEL_ROLE: ROLE_SANDBOX, LABEL_INSTANCE: "i1", LABEL_SERVING: "true"} == kwargs["labels"]


def test_no_seccomp_profile_given_means_the_shipped_one_never_the_engines() -> None:
    security_opt = _kwargs(SandboxPolicy(seccomp_profile=None))["security_opt"]

    assert f"seccomp={default_profile()}" in security_opt
    assert not any(opt in ("seccomp=unconfined", "seccomp:unconfined") for opt in security_opt)


def test_a_given_seccomp_profile_is_used_as_is() -> None:
    profile = json.dumps({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []})

    assert f"seccomp={profile}" in _kwargs(SandboxPolicy(seccomp_profile=profile))["security_opt"]


@pytest.mark.parametrize("runtime", [None, "runsc"])
def test_the_runtime_is_the_engines_unless_one_is_named(runtime: str | None) -> None:
    assert runtime == _kwargs(SandboxPolicy(runtime=runtime)).get("runtime")


def test_a_tests_file_size_limit_is_its_memory_limit_and_a_compile_steps_the_policys() -> None:
    """A test can write only memory-backed files: their growth must meet the memory limit."""
    assert 256 << 20 == run_file_size(LIMITS)
    assert 64 << 20 == compile_file_size(SandboxPolicy(file_size_mb=64))
