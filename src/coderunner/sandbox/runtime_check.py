"""Is the engine's runc one a container can escape from? (pure; for `coderunner doctor`)

runc is what every sandbox's isolation finally rests on, and several of its bugs let a
container reach the host:

- CVE-2024-21626 (leaked fds, "Leaky Vessels"): fixed upstream in 1.1.12;
- CVE-2025-31133, CVE-2025-52565, CVE-2025-52881 (masked paths and /dev/console mounts
  redirected through symlinks, procfs writes redirected): fixed upstream in 1.2.8,
  1.3.3 and 1.4.0-rc.3.

Distributions backport fixes without changing the upstream number (Debian's
``1.1.5+ds1-1+deb12u1`` is 1.1.5 plus the CVE-2024-21626 fix, per its changelog), so an
old number from a distribution package is reported as "cannot confirm", never as safe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Version = tuple[int, int, int]

LEAKY_VESSELS = "CVE-2024-21626"
ESCAPES_2025 = "CVE-2025-31133/52565/52881"

# Package revisions known to carry a backported fix, from the package's own changelog.
KNOWN_BACKPORTS: dict[str, frozenset[str]] = {
    "1.1.5+ds1-1+deb12u1": frozenset({LEAKY_VESSELS}),
}

_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(?:-rc\.?(\d+))?")
_DISTRO = re.compile(r"\+ds|deb\d+u|ubuntu|\.el\d|\.fc\d|-\d+$")


@dataclass(frozen=True)
class RuncVersion:
    """``upstream`` and its release candidate (None for a release); ``package`` is the
    distribution's full package version when the engine reports one (e.g. Debian's)."""

    upstream: Version
    rc: int | None
    package: str | None
    raw: str

    @property
    def from_distribution(self) -> bool:
        return self.package is not None


def parse_runc(version_info: Mapping[str, Any]) -> RuncVersion | None:
    """The runc of ``client.version()``'s ``Components``, or None when it names none.

    >>> info = {"Components": [{"Name": "runc", "Version": "1.1.5+ds1",
    ...                         "Details": {"GitCommit": "1.1.5+ds1-1+deb12u1"}}]}
    >>> parse_runc(info)
    RuncVersion(upstream=(1, 1, 5), rc=None, package='1.1.5+ds1-1+deb12u1', raw='1.1.5+ds1')
    """
    for component in version_info.get("Components") or ():
        if not isinstance(component, Mapping) or str(component.get("Name", "")).lower() != "runc":
            continue
        raw = str(component.get("Version", ""))
        match = _VERSION.match(raw)
        if match is None:
            return None
        details = component.get("Details") or {}
        commit = str(details.get("GitCommit", "")) if isinstance(details, Mapping) else ""
        package = None
        if _DISTRO.search(commit):
            package = commit
        elif _DISTRO.search(raw):
            package = raw
        major, minor, patch, rc = match.groups()
        return RuncVersion((int(major), int(minor), int(patch)), int(rc) if rc else None, package, raw)
    return None


def unfixed_upstream(version: RuncVersion) -> list[str]:
    """The CVEs above that the upstream release ``version`` is built from does not fix."""
    missing = []
    if _key(version) < _key_of((1, 1, 12)):
        missing.append(LEAKY_VESSELS)
    if not _has_2025_fixes(version):
        missing.append(ESCAPES_2025)
    return missing


def runc_warning(version_info: Mapping[str, Any]) -> str | None:
    """A one-paragraph warning for `coderunner doctor`, or None when runc is recent enough.

    >>> runc_warning({"Components": [{"Name": "runc", "Version": "1.3.3"}]}) is None
    True
    """
    version = parse_runc(version_info)
    if version is None:
        return "cannot tell the engine's runc version: check it fixes " + f"{LEAKY_VESSELS} and {ESCAPES_2025}"
    missing = unfixed_upstream(version)
    if not missing:
        return None
    if version.package is None:
        return (
            f"runc {version.raw} is vulnerable to container escapes ({', '.join(missing)}): "
            "upgrade to runc 1.2.8, 1.3.3 or 1.4.0 or later"
        )
    backported = KNOWN_BACKPORTS.get(version.package, frozenset())
    unconfirmed = [cve for cve in missing if cve not in backported]
    if not unconfirmed:
        return None
    known = f" (it does carry the fix for {', '.join(sorted(backported))})" if backported else ""
    return (
        f"runc {version.package} is upstream {_dotted(version)} with distribution patches{known}; "
        f"cannot confirm it fixes {', '.join(unconfirmed)}: check your distribution's security tracker, "
        "or use runc 1.2.8, 1.3.3, 1.4.0 or later"
    )


def _dotted(version: RuncVersion) -> str:
    text = ".".join(map(str, version.upstream))
    return f"{text}-rc.{version.rc}" if version.rc is not None else text


def _has_2025_fixes(version: RuncVersion) -> bool:
    key = _key(version)
    major_minor = version.upstream[:2]
    if major_minor == (1, 2):
        return key >= _key_of((1, 2, 8))
    if major_minor == (1, 3):
        return key >= _key_of((1, 3, 3))
    return key >= _key_of((1, 4, 0), rc=3)


def _key(version: RuncVersion) -> tuple[Version, int]:
    return _key_of(version.upstream, version.rc)


def _key_of(upstream: Version, rc: int | None = None) -> tuple[Version, int]:
    # A release sorts after all of its release candidates.
    return upstream, rc if rc is not None else 1 << 30
