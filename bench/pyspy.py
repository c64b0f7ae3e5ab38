"""Optional: sample the server's Python stacks with py-spy while the REST client runs.

py-spy is not a dependency: ``.venv/bin/pip install py-spy``, then ``python -m bench
--py-spy``. The collapsed stacks are written next to the JSON, and the functions that
held the CPU most (leaf frames, idle threads excluded) are summarised for the report.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

RATE_HZ = 200


def find_py_spy() -> str | None:
    beside_python = Path(sys.executable).parent / "py-spy"
    return str(beside_python) if beside_python.exists() else shutil.which("py-spy")


@contextlib.contextmanager
def recording(pid: int, output: Path) -> Iterator[None]:
    """Records ``pid`` (and its children) into ``output`` (collapsed stacks) while the block runs."""
    exe = find_py_spy()
    if exe is None:
        raise RuntimeError("--py-spy: py-spy is not installed (.venv/bin/pip install py-spy)")
    command = [exe, "record", "--pid", str(pid), "--rate", str(RATE_HZ), "--format", "raw", "--output", str(output)]
    process = subprocess.Popen([*command, "--subprocesses", "--nonblocking"], stdout=subprocess.DEVNULL)
    try:
        yield
    finally:
        os.kill(process.pid, signal.SIGINT)  # py-spy writes its output on SIGINT
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def top_frames(collapsed: Path, count: int = 12) -> list[dict[str, object]]:
    """The leaf frames with the most samples: ``[{"frame": ..., "share": 0.12}, ...]``."""
    leaves: Counter[str] = Counter()
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, samples = line.rpartition(" ")
        if stack and samples.isdigit():
            leaves[stack.rsplit(";", 1)[-1]] += int(samples)
    total = sum(leaves.values()) or 1
    return [{"frame": frame, "share": n / total} for frame, n in leaves.most_common(count)]
