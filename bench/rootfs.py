"""The sandbox image's filesystem on the bare host, for the floor.

The host's own g++ and doctest differ from the image's, so the floor runs the image's
toolchain and prebuilt artifacts (precompiled headers, doctest main) by ``chroot`` into
an exported copy of the image: same bytes, no container, no limits.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import docker

EXPORT_PARENT = Path("/var/tmp")


@contextlib.contextmanager
def exported_image(client: docker.DockerClient, image_id: str) -> Iterator[Path]:
    """The image's filesystem extracted under /var/tmp, with /proc mounted; removed on exit.

    Needs root (device nodes, chroot, mount). /proc is what ``/dev/fd/3`` resolves through.
    """
    root = Path(tempfile.mkdtemp(prefix="coderunner-bench-root-", dir=EXPORT_PARENT))
    proc = root / "proc"
    try:
        _extract(client, image_id, root)
        proc.mkdir(exist_ok=True)
        subprocess.run(["mount", "-t", "proc", "proc", str(proc)], check=True)
        yield root
    finally:
        if os.path.ismount(proc):
            subprocess.run(["umount", "-l", str(proc)], check=False)
        # Never delete through a mount point: a still-mounted /proc would be the host's.
        if not os.path.ismount(proc):
            shutil.rmtree(root, ignore_errors=True)


def _extract(client: docker.DockerClient, image_id: str, root: Path) -> None:
    container = client.containers.create(image_id, command=["true"], network_mode="none")
    try:
        tar = subprocess.Popen(["tar", "-x", "-C", str(root)], stdin=subprocess.PIPE)
        assert tar.stdin is not None
        try:
            for chunk in container.export():
                tar.stdin.write(cast(bytes, chunk))  # types-docker says str; the stream is bytes
        finally:
            tar.stdin.close()
        if tar.wait() != 0:
            raise RuntimeError(f"extracting image {image_id} into {root} failed (tar exit {tar.returncode})")
    finally:
        container.remove(force=True)
