"""docker/seccomp.json: Docker's default allow-list, minus what no test program needs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from coderunner.domain.sandbox_job import StepLimits
from coderunner.errors import SandboxUnavailable
from coderunner.sandbox.docker_sandbox import DockerSandbox
from coderunner.sandbox.hardening import SandboxPolicy, SandboxUsers, create_kwargs
from coderunner.sandbox.images import ImageBuilder
from coderunner.sandbox.seccomp import check_profile, default_profile
from coderunner.settings import Settings

PROFILE: dict[str, Any] = json.loads(default_profile())


def _allowed_unconditionally() -> set[str]:
    names: set[str] = set()
    for rule in PROFILE["syscalls"]:
        if rule["action"] == "SCMP_ACT_ALLOW" and not rule.get("args") and not rule.get("includes"):
            names.update(rule["names"])
    return names


def _mentioned_in_allow_rules() -> set[str]:
    return {name for rule in PROFILE["syscalls"] if rule["action"] == "SCMP_ACT_ALLOW" for name in rule["names"]}


def test_it_denies_what_it_does_not_list_with_eperm() -> None:
    assert ("SCMP_ACT_ERRNO", 1) == (PROFILE["defaultAction"], PROFILE["defaultErrnoRet"])


@pytest.mark.parametrize(
    "name",
    [
        "io_uring_setup", "io_uring_enter", "io_uring_register",
        "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
        "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
        "unshare", "setns", "mount", "umount2", "fsopen", "fsmount", "move_mount", "open_tree", "pivot_root",
        "chroot", "init_module", "kexec_load", "reboot", "socketcall",
    ],
)  # fmt: skip
def test_a_call_no_test_program_needs_is_in_no_allow_rule(name: str) -> None:
    assert name not in _mentioned_in_allow_rules()


@pytest.mark.parametrize(
    "name", ["read", "write", "mmap", "futex", "execve", "fork", "vfork", "wait4", "rseq", "close_range", "openat2"]
)
def test_what_ordinary_programs_use_is_allowed(name: str) -> None:
    assert name in _allowed_unconditionally()


def test_socket_is_allowed_for_every_family_but_af_vsock() -> None:
    rules = [rule for rule in PROFILE["syscalls"] if "socket" in rule["names"]]

    assert [[{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]] == [rule["args"] for rule in rules]


def test_personality_keeps_only_dockers_allowed_values() -> None:
    values = {rule["args"][0]["value"] for rule in PROFILE["syscalls"] if rule["names"] == ["personality"]}

    assert {0, 8, 0x20000, 0x20008, 0xFFFFFFFF} == values


def test_clone_cannot_make_namespaces_and_clone3_falls_back_to_it() -> None:
    clone = [rule for rule in PROFILE["syscalls"] if rule["names"] == ["clone"]]
    clone3 = next(rule for rule in PROFILE["syscalls"] if rule["names"] == ["clone3"])

    assert all(rule["args"][0]["op"] == "SCMP_CMP_MASKED_EQ" for rule in clone)
    assert {0x7E020000} == {rule["args"][0]["value"] for rule in clone}  # every CLONE_NEW* flag
    assert ("SCMP_ACT_ERRNO", 38) == (clone3["action"], clone3["errnoRet"])  # ENOSYS: libc falls back to clone


def test_no_32_bit_sub_architecture_is_allowed() -> None:
    assert all(not entry["subArchitectures"] for entry in PROFILE["archMap"])


def test_no_rule_depends_on_a_capability() -> None:
    assert [] == [rule for rule in PROFILE["syscalls"] if "caps" in rule.get("includes", {})]


@pytest.mark.parametrize("text", ["not json", "[]", json.dumps({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []})])
def test_a_profile_that_does_not_deny_by_default_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="seccomp profile"):
        check_profile(text)


def test_the_services_default_settings_give_sandboxes_the_shipped_profile() -> None:
    """Settings.seccomp_profile defaults to None, which means this file, not the engine's default."""
    policy = Settings(_env_file=None).sandbox_policy()  # type: ignore[call-arg]
    kwargs = create_kwargs(
        image_id="i", limits=StepLimits(1, 64, 1, 1), policy=policy, users=SandboxUsers(1, 2), instance="t", name="n"
    )

    assert policy.seccomp_profile is None
    assert f"seccomp={default_profile()}" in kwargs["security_opt"]


def test_a_sandbox_refuses_to_start_with_a_profile_that_does_not_deny_by_default() -> None:
    no_engine: Any = None  # never reached: the profile is checked first

    with pytest.raises(SandboxUnavailable, match="cannot enforce the sandbox: seccomp profile must deny by default"):
        DockerSandbox(
            no_engine,
            ImageBuilder(no_engine),
            policy=SandboxPolicy(seccomp_profile='{"defaultAction": "SCMP_ACT_ALLOW"}'),
            instance="t",
            uid_base=700_000,
        )
