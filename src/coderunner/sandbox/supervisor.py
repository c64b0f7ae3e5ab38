"""The protocol spoken with crsup, the in-container supervisor (pure).

``render_batch`` writes the phase description crsup reads; ``read_outcomes`` turns its
framed report back into ProcessOutcomes and decides each status from measured facts.
The format is documented at the top of docker/supervisor/crsup.c.
"""

from __future__ import annotations

import math
import re
import signal
from collections.abc import Iterator, Sequence

from coderunner.domain.outcome import ProcessOutcome, ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, Step, StepLimits
from coderunner.errors import SandboxFailure
from coderunner.sandbox.archive import safe_relative

_HEADER = re.compile(
    rb"S (?P<name>\S+) exit=(?P<exit>-?\d+) signal=(?P<signal>\d+) wall_ms=(?P<wall>\d+) cpu_ms=(?P<cpu>\d+) "
    rb"peak_kb=(?P<rss>\d+) timed_out=(?P<timed_out>[01]) capped=(?P<capped>[01]) oom=(?P<oom>[01]) "
    rb"out=(?P<out>\d+):(?P<out_t>[01]) err=(?P<err>\d+):(?P<err_t>[01]) rep=(?P<rep>\d+):(?P<rep_t>[01])\n"
)
_FIELD_FORBIDDEN = re.compile(r"[\t\n\r\x00]")
_STEP_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
# crsup's own bounds (MAX_ARGS, MAX_STEPS in crsup.c).
MAX_ARGS = 64
MAX_STEPS = 1024
# Docker refuses a memory limit under 6 MB.
MIN_MEMORY_MB = 6


class InvalidJob(SandboxFailure):
    """A job the sandbox cannot run as asked: a bug in the language plug-in that built it,
    never something the submission did. ``field`` names the offending part,
    e.g. ``run[0].argv[1]`` or ``compile_limits.wall_s``."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"invalid sandbox job: {field}: {problem}")
        self.field = field
        self.problem = problem


def check_job(job: SandboxJob) -> None:
    """Raises InvalidJob, naming the field, for anything crsup or the engine would refuse
    or misread; called before any container exists."""
    for name in job.files:
        try:
            safe_relative(name)
        except ValueError as exc:
            raise InvalidJob(f"files[{name!r}]", str(exc)) from None
    for name in job.executable:
        if name not in job.files:
            raise InvalidJob(f"executable[{name!r}]", "names no file of the job")
    for phase, limits in (("compile_limits", job.compile_limits), ("run_limits", job.run_limits)):
        _check_limits(phase, limits)
    render_batch(job.compile, job.compile_limits, stop_on_failure=True, file_size_bytes=1, phase="compile")
    render_batch(job.run, job.run_limits, stop_on_failure=False, file_size_bytes=1, phase="run")


def _check_limits(phase: str, limits: StepLimits) -> None:
    checks = (
        ("wall_s", limits.wall_s > 0 and math.isfinite(limits.wall_s), "must be a positive number of seconds"),
        ("memory_mb", limits.memory_mb >= MIN_MEMORY_MB, f"must be at least {MIN_MEMORY_MB}"),
        ("cpus", limits.cpus > 0 and math.isfinite(limits.cpus), "must be positive"),
        ("output_limit_bytes", limits.output_limit_bytes > 0, "must be positive"),
    )
    for name, ok, problem in checks:
        if not ok:
            raise InvalidJob(f"{phase}.{name}", f"{problem}, not {getattr(limits, name)!r}")


def cpu_seconds(limits: StepLimits) -> int:
    """RLIMIT_CPU of each process: the phase's wall budget times its CPU share, at least 1 s.

    A process that burns CPU faster than its share allows is stopped by this even when
    the wall clock has not run out (e.g. several busy threads).
    """
    return max(1, math.ceil(limits.wall_s * max(limits.cpus, 1.0)))


def render_batch(
    steps: Sequence[Step],
    limits: StepLimits,
    *,
    stop_on_failure: bool,
    file_size_bytes: int,
    phase: str = "steps",
    memory_kb: int | None = None,
) -> bytes:
    """The batch file crsup executes for one phase; InvalidJob names a field it cannot carry.
    ``file_size_bytes`` is each step's RLIMIT_FSIZE; ``memory_kb``, when given, a memory
    limit crsup itself enforces (for a container sized for a larger phase).

    >>> render_batch([Step("t1", ("./program",))], StepLimits(1, 64, 1, 10), stop_on_failure=False, file_size_bytes=99)
    b'budget_ms\\t1000\\ncpu_s\\t1\\noutput_cap\\t10\\nfile_size\\t99\\nstop_on_failure\\t0\\nstep\\tt1\\t-\\t0\\t./program\\n'
    """
    if len(steps) > MAX_STEPS:
        raise InvalidJob(phase, f"{len(steps)} steps, at most {MAX_STEPS}")
    lines = [
        f"budget_ms\t{int(limits.wall_s * 1000)}",
        f"cpu_s\t{cpu_seconds(limits)}",
        f"output_cap\t{limits.output_limit_bytes}",
        f"file_size\t{file_size_bytes}",
        f"stop_on_failure\t{int(stop_on_failure)}",
    ]
    if memory_kb is not None:
        lines.append(f"memory_kb\t{memory_kb}")
    names: set[str] = set()
    for index, step in enumerate(steps):
        where = f"{phase}[{index}]"
        if not _STEP_NAME.fullmatch(step.name):
            raise InvalidJob(f"{where}.name", f"{step.name!r} is not 1-64 letters, digits or _.:-")
        if step.name in names:
            raise InvalidJob(f"{where}.name", f"{step.name!r} is used by an earlier step")
        names.add(step.name)
        if step.stdin_path is not None:
            try:
                safe_relative(step.stdin_path)
            except ValueError as exc:
                raise InvalidJob(f"{where}.stdin_path", str(exc)) from None
            if step.stdin_path == "-":  # crsup reads "-" as "no stdin"
                raise InvalidJob(f"{where}.stdin_path", "'-' cannot name a file")
        if not step.argv:
            raise InvalidJob(f"{where}.argv", "is empty")
        if len(step.argv) > MAX_ARGS:
            raise InvalidJob(f"{where}.argv", f"has {len(step.argv)} items, at most {MAX_ARGS}")
        fields = {f"{where}.stdin_path": step.stdin_path or "-"}
        fields.update({f"{where}.argv[{i}]": arg for i, arg in enumerate(step.argv)})
        for field, value in fields.items():
            if not value or _FIELD_FORBIDDEN.search(value):
                raise InvalidJob(field, f"{value!r} is empty or contains a tab, newline or NUL")
        lines.append("\t".join(["step", step.name, step.stdin_path or "-", str(int(step.report)), *step.argv]))
    return ("\n".join(lines) + "\n").encode()


def read_outcomes(
    stream: bytes | bytearray, steps: Sequence[Step], limits: StepLimits, *, start: int = 0
) -> tuple[tuple[ProcessOutcome, ...], bool]:
    """Outcomes aligned with ``steps`` and whether the report was complete.

    A step with no record never started (NOT_RUN); an incomplete report (crsup killed or
    frozen by the program, container removed at the outside deadline) leaves the steps it
    did not report as NOT_RUN, which grading counts as failed. The report starts at
    ``start`` (a session's run report follows its compile report).
    """
    by_name: dict[str, ProcessOutcome] = {}
    with memoryview(stream) as view:  # one copy of each byte string, not a slice and then its bytes
        for match, spans in _records(stream, start):
            blobs = [bytes(view[begin:end]) for begin, end in spans]
            by_name[match["name"].decode()] = _outcome(match, blobs, limits)
    outcomes = tuple(by_name.get(step.name, ProcessOutcome(ProcessStatus.NOT_RUN)) for step in steps)
    return outcomes, report_end(stream, start) is not None


def with_lost_step(
    outcomes: tuple[ProcessOutcome, ...], *, deadline_hit: bool, limits: StepLimits
) -> tuple[ProcessOutcome, ...]:
    """``outcomes`` of an incomplete report with the step that was running when the
    supervisor was lost marked: still running at the outside deadline (a timeout), or lost
    with the supervisor, which the steps cannot signal: the sandbox lost track of it
    (internal_error, never a pass)."""
    first_missing = next((i for i, o in enumerate(outcomes) if o.status is ProcessStatus.NOT_RUN), None)
    if first_missing is None:
        return outcomes
    if deadline_hit:
        lost = ProcessOutcome(ProcessStatus.TIMEOUT, wall_ms=int(limits.wall_s * 1000))
    else:
        lost = ProcessOutcome(ProcessStatus.INTERNAL_ERROR)
    return (*outcomes[:first_missing], lost, *outcomes[first_missing + 1 :])


def report_end(stream: bytes | bytearray, start: int = 0) -> int | None:
    """Where the first complete report in ``stream`` ends (just past its ``E``); None when
    it is cut short. A session's stream holds the compile report, then maybe the run's."""
    position = start
    for _, spans in _records(stream, start):
        position = spans[-1][1]
    return position + 2 if stream.startswith(b"E\n", position) else None


def _records(stream: bytes | bytearray, start: int) -> Iterator[tuple[re.Match[bytes], list[tuple[int, int]]]]:
    """Each whole step record of the report at ``start`` in ``stream``, up to its end or a
    cut: its header and where its three byte strings lie (not copied: they can be large)."""
    position = start
    while position < len(stream) and not stream.startswith(b"E\n", position):
        match = _HEADER.match(stream, position)
        if match is None:
            return
        position = match.end()
        sizes = [int(match[k]) for k in ("out", "err", "rep")]
        if position + sum(sizes) > len(stream):
            return
        spans = []
        for size in sizes:
            spans.append((position, position + size))
            position += size
        yield match, spans


def _outcome(match: re.Match[bytes], blobs: list[bytes], limits: StepLimits) -> ProcessOutcome:
    exit_code = int(match["exit"])
    signum = int(match["signal"])
    cpu_ms = int(match["cpu"])
    return ProcessOutcome(
        status=_status(
            exit_code=exit_code,
            signum=signum,
            cpu_ms=cpu_ms,
            timed_out=match["timed_out"] == b"1",
            capped=match["capped"] == b"1",
            oom=match["oom"] == b"1",
            cpu_limit_ms=cpu_seconds(limits) * 1000,
        ),
        exit_code=exit_code if exit_code >= 0 else None,
        signal=signal_name(signum),
        wall_ms=int(match["wall"]),
        cpu_ms=cpu_ms,
        peak_memory_kb=int(match["rss"]),
        stdout=blobs[0],
        stderr=blobs[1],
        report=blobs[2],
        stdout_truncated=match["out_t"] == b"1",
        stderr_truncated=match["err_t"] == b"1",
        report_truncated=match["rep_t"] == b"1",
    )


def _status(
    *, exit_code: int, signum: int, cpu_ms: int, timed_out: bool, capped: bool, oom: bool, cpu_limit_ms: int
) -> ProcessStatus:
    if timed_out or signum == signal.SIGXCPU or (signum == signal.SIGKILL and cpu_ms >= cpu_limit_ms):
        return ProcessStatus.TIMEOUT
    if oom and exit_code != 0:
        return ProcessStatus.MEMORY_LIMIT
    if capped or signum == signal.SIGXFSZ:
        return ProcessStatus.OUTPUT_LIMIT
    if exit_code == 0 and signum == 0:
        return ProcessStatus.SUCCESS
    return ProcessStatus.RUNTIME_ERROR


def signal_name(signum: int) -> str | None:
    if signum == 0:
        return None
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"SIG{signum}"
