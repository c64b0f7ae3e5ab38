"""The seccomp profile every sandbox runs under: ``docker/seccomp.json``.

It is Docker's default profile (moby ``profiles/seccomp/default.json``, a
``SCMP_ACT_ERRNO`` allow-list) with less in it:

- ``socket`` is allowed for every address family but AF_VSOCK (40), which the 20.10
  engine's own default lets through (a channel to the hypervisor, outside network none);
- ``socketcall`` is gone: its arguments are in memory, so it would bypass that filter;
- no 32-bit sub-architectures: an ``int 0x80`` syscall kills the process (SIGSYS);
- ``io_uring_setup``/``io_uring_enter``/``io_uring_register`` are gone (a large and
  often-exploited kernel surface no test program needs);
- every rule that only applies with a capability is gone (``ptrace``,
  ``process_vm_readv``/``writev``, ``bpf``, ``perf_event_open``, ``unshare``, ``setns``,
  ``mount`` and friends, ...): sandboxes drop all capabilities, and the profile should
  say so on its own rather than depend on it.

``keyctl``, ``add_key``, ``request_key`` and ``userfaultfd`` were never in the
allow-list; ``personality`` keeps Docker's allowed values only.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from coderunner.sandbox.paths import default_images_dir

PROFILE_FILE = "seccomp.json"


def default_profile(images_dir: Path | None = None) -> str:
    """The shipped profile's JSON text (``<images_dir>/seccomp.json``), checked to be a deny-by-default list.

    >>> '"defaultAction": "SCMP_ACT_ERRNO"' in default_profile()
    True
    """
    return _load(images_dir or default_images_dir())


@functools.cache
def _load(images_dir: Path) -> str:
    text = (images_dir / PROFILE_FILE).read_text()
    check_profile(text)
    return text


# What crsup --serve needs beyond the shipped profile, and nothing more: one unshare with
# exactly the session's namespaces, and mounts with exactly the flags of its set-up (mount
# propagation made private; tmpfs nosuid,nodev with or without noexec). Its steps get an
# inner filter (docker/supervisor/session.h) that forbids both again.
_CLONE_NEWNS, _CLONE_NEWUTS, _CLONE_NEWIPC = 0x20000, 0x4000000, 0x8000000
_CLONE_NEWUSER, _CLONE_NEWPID, _CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
SESSION_UNSHARE = _CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWIPC | _CLONE_NEWNET | _CLONE_NEWUTS
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REC, _MS_PRIVATE = 0x2, 0x4, 0x8, 0x4000, 0x40000
SESSION_MOUNT_FLAGS = (_MS_REC | _MS_PRIVATE, _MS_NOSUID | _MS_NODEV, _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)


def namespaces_profile(text: str) -> str:
    """``text`` (a checked profile) plus the session set-up's ``unshare`` and ``mount`` calls.

    >>> '"unshare"' in namespaces_profile(default_profile())
    True
    """
    profile = json.loads(text)
    rules = [_allow("unshare", 0, SESSION_UNSHARE)]
    rules += [_allow("mount", 3, flags) for flags in SESSION_MOUNT_FLAGS]
    profile["syscalls"] = [*profile["syscalls"], *rules]
    return json.dumps(profile)


def _allow(name: str, index: int, value: int) -> dict[str, object]:
    return {
        "names": [name],
        "action": "SCMP_ACT_ALLOW",
        "args": [{"index": index, "value": value, "op": "SCMP_CMP_EQ"}],
    }


def check_profile(text: str) -> None:
    """Raises ValueError unless ``text`` is a seccomp profile that denies what it does not list."""
    try:
        profile = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"seccomp profile is not JSON: {exc}") from exc
    if not isinstance(profile, dict) or profile.get("defaultAction") not in {"SCMP_ACT_ERRNO", "SCMP_ACT_KILL"}:
        raise ValueError("seccomp profile must deny by default (defaultAction SCMP_ACT_ERRNO or SCMP_ACT_KILL)")
