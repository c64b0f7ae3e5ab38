"""What a language plug-in asks the sandbox to do, and what the sandbox answers.

A job is compile steps then run steps, in one single-use container. Compile steps run
as one unprivileged user and own the workspace; run steps run as a second user that can
read and execute what was built but cannot change it, so one test's process cannot
tamper with the binary or the inputs of the next.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from coderunner.domain.outcome import ProcessOutcome

WORKSPACE = "/workspace"
# Image label naming the exact compiler or interpreter a result came from: each language's
# image recipe writes it (see sandbox/images.py); results report it as compiler_version.
RUNTIME_VERSION_LABEL = "org.coderunner.runtime_version"


@dataclass(frozen=True)
class Step:
    """One process to start inside the container.

    ``argv`` is executed directly (no shell) with ``/workspace`` as working directory.
    ``stdin_path`` is a workspace-relative file fed as stdin (``/dev/null`` when None).
    When ``report`` is true the process gets a third output pipe on fd 3, captured
    like stdout and stderr: the machine-readable channel (e.g. doctest's XML reporter
    with ``--out=/dev/fd/3``).
    """

    name: str
    argv: tuple[str, ...]
    stdin_path: str | None = None
    report: bool = False


@dataclass(frozen=True)
class StepLimits:
    """Limits of a phase (compile or run). ``wall_s`` is the budget of the whole phase."""

    wall_s: float
    memory_mb: int
    cpus: float
    output_limit_bytes: int


@dataclass(frozen=True)
class SandboxJob:
    image: str  # logical image name, e.g. "coderunner-cpp"
    files: Mapping[str, bytes]  # workspace-relative path → content
    compile: tuple[Step, ...]
    compile_limits: StepLimits
    run: tuple[Step, ...]
    run_limits: StepLimits
    executable: frozenset[str] = field(default_factory=frozenset)  # files to mark 0755


@dataclass(frozen=True)
class SandboxRun:
    """Outcomes aligned with the job's steps. A step that never started is NOT_RUN."""

    compile: tuple[ProcessOutcome, ...]
    run: tuple[ProcessOutcome, ...]
    image_id: str = ""
    image_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def compiled(self) -> bool:
        return all(o.status == "success" for o in self.compile)
