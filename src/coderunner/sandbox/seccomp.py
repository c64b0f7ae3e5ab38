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


def check_profile(text: str) -> None:
    """Raises ValueError unless ``text`` is a seccomp profile that denies what it does not list."""
    try:
        profile = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"seccomp profile is not JSON: {exc}") from exc
    if not isinstance(profile, dict) or profile.get("defaultAction") not in {"SCMP_ACT_ERRNO", "SCMP_ACT_KILL"}:
        raise ValueError("seccomp profile must deny by default (defaultAction SCMP_ACT_ERRNO or SCMP_ACT_KILL)")
