"""The seed design: doctest's whole implementation compiled into every submission.

One fresh container per submission, as the seed ran it: ``docker run``-like through the
SDK (create, files in with put_archive, start, wait, remove), no network, 0.5 CPU,
256 MB, one writable root filesystem. Memory is 512 MB, not the seed's 256 MB: cc1plus
compiling doctest's implementation with ``<bits/stdc++.h>`` at -O2 peaks at ~330 MB and
is OOM-killed under 256 MB (more memory only makes the seed faster). The test program is the one coderunner
generates, but compiled as one translation unit with ``DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN``
and without precompiled headers or the prebuilt doctest main, then run once for
all tests. Only function-kind exercises have a seed equivalent (the seed wrapped every
submission in doctest); whole-program ones are skipped here.
"""

from __future__ import annotations

import io
import tarfile
import time

import docker

from bench.grading import NotAcceptedError
from bench.measure import Sample
from bench.workload import Exercise
from coderunner.languages.cpp import toolchain
from coderunner.languages.registry import get_language

WORKDIR = "/workspace/seed"
SOURCE = "seed.cpp"
SEED_HEADER = "#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN\n#include <doctest/doctest.h>\n#include <bits/stdc++.h>\n"
SANDBOX_UID = 1000  # the image's unprivileged user
NANO_CPUS = 500_000_000
MEMORY = "512m"  # see the module docstring
WAIT_S = 300


def seed_source(harness: str) -> str:
    """The harness as one self-contained translation unit (its own include of doctest then adds nothing)."""
    return SEED_HEADER + harness


class Seed:
    """Grades function-kind exercises the seed's way; ``run`` raises NotAccepted on any failure."""

    def __init__(self, client: docker.DockerClient, image_id: str) -> None:
        self._client = client
        self._image_id = image_id

    def run(self, exercise: Exercise) -> Sample:
        if exercise.kind != "function":
            raise ValueError(f"{exercise.name}: the seed design is measured on function-kind exercises only")
        program = get_language(exercise.language).generate(exercise.submission())
        source = seed_source(program.job.files[toolchain.HARNESS_SOURCE].decode())
        compile_and_run = (
            f"{toolchain.COMPILER} {' '.join(toolchain.CXXFLAGS)} -o {toolchain.HARNESS_BINARY} {SOURCE}"
            f" && ./{toolchain.HARNESS_BINARY}"
        )
        start = time.perf_counter()
        container = self._client.containers.create(
            self._image_id,
            command=["sh", "-c", compile_and_run],
            working_dir=WORKDIR,
            network_mode="none",
            nano_cpus=NANO_CPUS,
            mem_limit=MEMORY,
            memswap_limit=MEMORY,
            labels={"org.coderunner.role": "bench-seed"},
        )
        try:
            created = time.perf_counter()
            container.put_archive("/workspace", _tar(source))
            copied = time.perf_counter()
            container.start()
            status = container.wait(timeout=WAIT_S)
            ran = time.perf_counter()
            if status.get("StatusCode") != 0:
                logs = container.logs().decode(errors="replace")[-2000:]
                raise NotAcceptedError("seed", exercise, f"exit {status.get('StatusCode')}: {logs}")
        finally:
            container.remove(force=True)
        end = time.perf_counter()
        phases = {
            "create": created - start,
            "put_archive": copied - created,
            "compile_run": ran - copied,
            "remove": end - ran,
        }
        return Sample(exercise.name, end - start, phases)


def _tar(source: str) -> bytes:
    """A folder the image's user owns (the image's /workspace is root's), holding the source."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        folder = tarfile.TarInfo(WORKDIR.rsplit("/", 1)[1])
        folder.type, folder.mode, folder.uid, folder.gid = tarfile.DIRTYPE, 0o755, SANDBOX_UID, SANDBOX_UID
        tar.addfile(folder)
        data = source.encode()
        entry = tarfile.TarInfo(f"{folder.name}/{SOURCE}")
        entry.size, entry.mode, entry.uid, entry.gid = len(data), 0o644, SANDBOX_UID, SANDBOX_UID
        tar.addfile(entry, io.BytesIO(data))
    return buffer.getvalue()
