"""Limits and policy → the container settings that enforce them (pure).

Every security setting of a sandbox is decided here, in one place, so that a reader
(and a unit test) can check the whole list without an engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coderunner.domain.sandbox_job import WORKSPACE, StepLimits
from coderunner.sandbox.seccomp import default_profile

LABEL_ROLE = "org.coderunner.role"
LABEL_INSTANCE = "org.coderunner.instance"
ROLE_SANDBOX = "sandbox"
# On the long-lived containers of CODERUNNER_ISOLATION=namespaces ("true"): what tells a
# serving pool's container from a single-use one that outlived its submission.
LABEL_SERVING = "org.coderunner.serving"
CPU_PERIOD_US = 100_000
MIB = 1024 * 1024
ROOT = "0:0"
# The only capabilities a sandbox has, held only by crsup when it runs as root (execs as
# another user get none): enough to make each step another user with an empty bounding set.
SUPERVISOR_CAPS = ["SETUID", "SETGID", "SETPCAP"]


@dataclass(frozen=True)
class SandboxPolicy:
    """Limits that hold for every sandbox, whatever the submission asks."""

    pids_limit: int = 128
    nofile: int = 256
    file_size_mb: int = 64
    workspace_mb: int = 128
    workspace_inodes: int = 4096
    tmp_mb: int = 32
    tmp_inodes: int = 1024
    shm_mb: int = 4
    seccomp_profile: str | None = None  # JSON text; None: the shipped docker/seccomp.json, never the engine's
    runtime: str | None = None  # e.g. "runsc"; None keeps the engine's default


@dataclass(frozen=True)
class SandboxUsers:
    """Two unprivileged UIDs of one sandbox, mapped to no host account.

    ``builder`` owns the workspace (extracts files, compiles); ``runner`` runs the tests
    and can read and execute the workspace but not change it.
    """

    builder: int
    runner: int


def as_user(uid: int, *argv: str) -> list[str]:
    """``argv`` run by crsup as ``uid`` with every capability dropped; for an exec as root."""
    return ["crsup", "--as", str(uid), "--exec", *argv]


def compile_file_size(policy: SandboxPolicy) -> int:
    """RLIMIT_FSIZE of a compile step: the policy's file size (the workspace is larger)."""
    return policy.file_size_mb * MIB


def run_file_size(limits: StepLimits) -> int:
    """RLIMIT_FSIZE of a test: its memory limit. Every place a test can write is memory
    (the tmpfs mounts, /dev/shm, memfd files), so a growing file must meet the memory limit,
    a ``memory_limit``, not a file-size limit first; this one still stops sparse files."""
    return limits.memory_mb * MIB


def create_kwargs(
    *,
    image_id: str,
    limits: StepLimits,
    policy: SandboxPolicy,
    users: SandboxUsers,
    instance: str,
    name: str,
    serving: bool = False,
) -> dict[str, Any]:
    """Keyword arguments of ``docker.containers.create`` for a sandbox sized for ``limits``
    (``serving``: one that serves many submissions, labelled LABEL_SERVING)."""
    from docker.types import LogConfig, Ulimit  # local: keeps this module importable without docker installed

    profile = policy.seccomp_profile if policy.seccomp_profile is not None else default_profile()
    security_opt = ["no-new-privileges:true", f"seccomp={profile}"]
    kwargs: dict[str, Any] = {
        "image": image_id,
        "name": name,
        # The engine gives the capabilities below only to root execs of a container whose
        # user is root, so the container's user is root; PID 1 becomes the builder at once.
        "command": as_user(users.builder, "sleep", "infinity"),
        "user": ROOT,
        "working_dir": WORKSPACE,
        "hostname": "sandbox",
        "environment": {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": "/tmp", "PATH": "/usr/local/bin:/usr/bin:/bin"},
        "network_mode": "none",
        "read_only": True,
        "cap_drop": ["ALL"],
        "cap_add": SUPERVISOR_CAPS,
        "security_opt": security_opt,
        "pids_limit": policy.pids_limit,
        "ulimits": [
            Ulimit(name="nofile", soft=policy.nofile, hard=policy.nofile),
            # crsup sets each step's own (soft = hard): compile_file_size, run_file_size.
            Ulimit(name="fsize", soft=compile_file_size(policy), hard=-1),
            Ulimit(name="core", soft=0, hard=0),
        ],
        "tmpfs": {
            WORKSPACE: (
                f"rw,exec,nosuid,nodev,size={policy.workspace_mb}m,nr_inodes={policy.workspace_inodes},"
                f"mode=0755,uid={users.builder},gid={users.builder}"
            ),
            "/tmp": f"rw,noexec,nosuid,nodev,size={policy.tmp_mb}m,nr_inodes={policy.tmp_inodes},mode=1777",
        },
        "shm_size": f"{policy.shm_mb}m",
        # No container log: whatever the program prints is read, capped, from the exec
        # stream; a json-file log would keep it all on the host disk, uncapped.
        "log_config": LogConfig(type=LogConfig.types.NONE),
        "labels": {LABEL_ROLE: ROLE_SANDBOX, LABEL_INSTANCE: instance, **({LABEL_SERVING: "true"} if serving else {})},
        # `sleep` itself is PID 1, with no init in between: the kernel shields a namespace's
        # init from its own processes' signals, so crsup's kill(-1) of stragglers (or the
        # program's) cannot end the container; crsup is the subreaper that reaps them.
        "init": False,
        "detach": True,
        **resource_kwargs(limits),
    }
    if policy.runtime:
        kwargs["runtime"] = policy.runtime
    return kwargs


def resource_kwargs(limits: StepLimits) -> dict[str, Any]:
    """Memory and CPU settings for a phase; also what ``container.update`` gets between phases."""
    memory = limits.memory_mb * 1024 * 1024
    return {
        "mem_limit": memory,
        # Equal to mem_limit: no swap, so the memory limit is a real one.
        "memswap_limit": memory,
        "cpu_period": CPU_PERIOD_US,
        "cpu_quota": max(1000, int(limits.cpus * CPU_PERIOD_US)),
    }
