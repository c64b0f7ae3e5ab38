"""workspace_tar: only plain files and folders we name, all inside the workspace."""

from __future__ import annotations

import io
import tarfile

import pytest

from coderunner.sandbox.archive import workspace_tar


def _members(data: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: m for m in tar.getmembers()}


def test_files_and_their_folders_are_owned_by_the_uid_with_the_modes_asked() -> None:
    members = _members(workspace_tar({"tests/1.in": b"1", "run.sh": b"#!"}, uid=700_000, executable=["run.sh"]))

    assert {"tests", "tests/1.in", "run.sh"} == set(members)
    assert members["tests"].isdir()
    assert all(m.uid == m.gid == 700_000 for m in members.values())
    assert (0o755, 0o644) == (members["run.sh"].mode, members["tests/1.in"].mode)
    assert all(m.isfile() or m.isdir() for m in members.values())


@pytest.mark.parametrize("name", ["../escape", "a/../../escape", "/etc/passwd", "", ".", "./a", "a//b", "a/"])
def test_a_path_that_is_not_plain_and_relative_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a plain workspace-relative path"):
        workspace_tar({name: b"x"}, uid=1)
