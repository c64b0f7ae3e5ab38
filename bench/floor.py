"""The floor: the job coderunner generates, compiled and run on the bare host, no sandbox.

Each floor worker is a process that ``chroot``s once into the exported image (see
rootfs.py), so compile and run use the image's g++, precompiled headers and doctest
main, and then runs a job's steps as plain child processes: its files written into a
fresh ``/workspace-floor-N``, the compile argv, then each run step with its stdin file
and, for a doctest step, fd 3 captured as the report. No container, no limits.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from multiprocessing.pool import Pool
from pathlib import Path
from typing import IO

from bench.grading import accepted_or_raise
from bench.measure import Sample
from bench.workload import Exercise
from coderunner.domain.outcome import ProcessOutcome, ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, SandboxRun, Step
from coderunner.languages.registry import get_language

ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": "/tmp"}
REPORT_FD = 3
STEP_TIMEOUT_S = 120.0  # a safety net only: the floor has no limits


@dataclass(frozen=True)
class FloorJob:
    """The picklable part of a SandboxJob that the floor runs."""

    files: dict[str, bytes]
    executable: frozenset[str]
    compile: tuple[Step, ...]
    run: tuple[Step, ...]

    @classmethod
    def of(cls, job: SandboxJob) -> FloorJob:
        return cls(dict(job.files), frozenset(job.executable), tuple(job.compile), tuple(job.run))


@dataclass(frozen=True)
class FloorResult:
    compile: tuple[ProcessOutcome, ...]
    run: tuple[ProcessOutcome, ...]
    seconds: float
    phases: dict[str, float]


class Floor:
    """``workers`` chrooted processes; ``run`` grades one exercise on one of them."""

    def __init__(self, root: Path, workers: int) -> None:
        # fork: the workers inherit the imported modules, which they cannot import once chrooted.
        self._pool: Pool = multiprocessing.get_context("fork").Pool(workers, _enter_root, (str(root),))
        self._numbers = itertools.count()

    def run(self, exercise: Exercise) -> Sample:
        submission = exercise.submission()
        language = get_language(submission.language)
        program = language.generate(submission)
        result: FloorResult = self._pool.apply(_run_job, (FloorJob.of(program.job), next(self._numbers)))
        accepted_or_raise(
            "floor", exercise, language.grade(submission, program, SandboxRun(result.compile, result.run))
        )
        return Sample(exercise.name, result.seconds, result.phases)

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()


# ---- inside a worker (chrooted, single-threaded) --------------------------------------


def _enter_root(root: str) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the bench's clean-up handler: Pool.terminate() ends us
    os.chroot(root)
    os.chdir("/")
    # Keep fd 3 always open, so that no file we open lands on it: _spawn swaps it.
    try:
        os.fstat(REPORT_FD)
    except OSError:
        placeholder = os.open(os.devnull, os.O_RDWR)
        if placeholder != REPORT_FD:
            os.dup2(placeholder, REPORT_FD)
            os.close(placeholder)


def _run_job(job: FloorJob, number: int) -> FloorResult:
    workspace = f"/workspace-floor-{number}"
    start = time.perf_counter()
    os.mkdir(workspace)
    try:
        for name, content in job.files.items():
            path = os.path.join(workspace, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(content)
            if name in job.executable:
                os.chmod(path, 0o755)
        written = time.perf_counter()
        compiled: list[ProcessOutcome] = []
        for step in job.compile:
            compiled.append(_run_step(step, workspace))
            if compiled[-1].status is not ProcessStatus.SUCCESS:
                break
        compiled += [ProcessOutcome(ProcessStatus.NOT_RUN)] * (len(job.compile) - len(compiled))
        built = time.perf_counter()
        ok = all(o.status is ProcessStatus.SUCCESS for o in compiled)
        ran = tuple(_run_step(step, workspace) if ok else ProcessOutcome(ProcessStatus.NOT_RUN) for step in job.run)
        end = time.perf_counter()
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    phases = {"write": written - start, "compile": built - written, "run": end - built}
    return FloorResult(tuple(compiled), ran, end - start, phases)


def _run_step(step: Step, workspace: str) -> ProcessOutcome:
    stdin_path = os.path.join(workspace, step.stdin_path) if step.stdin_path else os.devnull
    with (
        open(stdin_path, "rb") as stdin,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryFile() as report,
    ):
        start = time.perf_counter()
        process = _spawn(list(step.argv), workspace, stdin, out, err, report if step.report else None)
        # Not wait(timeout): that polls with sleeps of up to 50 ms, which would pad every step.
        watchdog = threading.Timer(STEP_TIMEOUT_S, process.kill)
        watchdog.start()
        code = process.wait()
        watchdog.cancel()
        wall_ms = int((time.perf_counter() - start) * 1000)
        if wall_ms >= STEP_TIMEOUT_S * 1000:
            return ProcessOutcome(ProcessStatus.TIMEOUT, wall_ms=wall_ms)
        stdout, stderr, report_bytes = (_read(f) for f in (out, err, report))
    status = ProcessStatus.SUCCESS if code == 0 else ProcessStatus.RUNTIME_ERROR
    return ProcessOutcome(
        status,
        exit_code=code if code >= 0 else None,
        signal=signal.Signals(-code).name if code < 0 else None,
        wall_ms=wall_ms,
        stdout=stdout,
        stderr=stderr,
        report=report_bytes,
    )


def _spawn(
    argv: list[str], cwd: str, stdin: IO[bytes], out: IO[bytes], err: IO[bytes], report: IO[bytes] | None
) -> subprocess.Popen[bytes]:
    if report is None:
        return subprocess.Popen(argv, cwd=cwd, stdin=stdin, stdout=out, stderr=err, env=ENV)
    # The child must find the report file on fd 3: put it there for the fork, then put back what was there.
    saved = os.dup(REPORT_FD)
    os.dup2(report.fileno(), REPORT_FD)
    try:
        return subprocess.Popen(argv, cwd=cwd, stdin=stdin, stdout=out, stderr=err, env=ENV, pass_fds=(REPORT_FD,))
    finally:
        os.dup2(saved, REPORT_FD)
        os.close(saved)


def _read(handle: IO[bytes]) -> bytes:
    handle.seek(0)
    return handle.read()
