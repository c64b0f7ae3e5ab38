"""The in-memory tar that carries a job's files into the container (pure).

Files go in through the Docker API, never through a host mount, and every entry is a
regular file we name: no links, no absolute paths, no '..', so nothing the submission
controls decides where anything is written.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath


def workspace_tar(files: Mapping[str, bytes], *, uid: int, executable: Iterable[str] = ()) -> bytes:
    """A tar of ``files`` (workspace-relative paths), owned by ``uid``.

    >>> len(workspace_tar({"a.txt": b"hi"}, uid=1000)) % 512
    0
    """
    executable = set(executable)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        directories: set[PurePosixPath] = set()
        for name in sorted(files):
            path = safe_relative(name)
            for parent in reversed(path.parents[:-1]):
                if parent not in directories:
                    directories.add(parent)
                    tar.addfile(_entry(str(parent), tarfile.DIRTYPE, 0o755, uid, 0))
            data = files[name]
            mode = 0o755 if name in executable else 0o644
            tar.addfile(_entry(str(path), tarfile.REGTYPE, mode, uid, len(data)), io.BytesIO(data))
    return buffer.getvalue()


def safe_relative(name: str) -> PurePosixPath:
    """``name`` as a path that stays inside the workspace, or ValueError."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or ".." in path.parts or name != str(path):
        raise ValueError(f"not a plain workspace-relative path: {name!r}")
    return path


def _entry(name: str, kind: bytes, mode: int, uid: int, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.uid = info.gid = uid
    info.size = size
    info.mtime = 0
    return info
