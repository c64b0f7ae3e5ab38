"""Where coderunner's time goes: the service's own pipeline, in this process, timed by part.

The composition root builds the same services the server runs (temporary SQLite, its own
instance name). Around them sit timing proxies, never changes to their code: every
public coroutine of the store (the database writes and reads), the sandbox's
``execute``, and every Docker engine API call (class-wide, only while profiling). For
each exercise the total splits into database, sandbox (container create/start, the
compile exec, the limit update, the run exec, removal, the rest) and everything else
(generating the program, grading it, the pipeline's own Python).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docker.api.client import APIClient

from bench.grading import accepted_or_raise
from bench.measure import Sample
from bench.workload import Exercise
from coderunner.bootstrap import build_services
from coderunner.domain.execution import RequestInfo
from coderunner.settings import load_settings

ENGINE_CALLS = (
    "create_container",
    "start",
    "exec_create",
    "exec_start",
    "exec_inspect",
    "update_container",
    "remove_container",
    "put_archive",
    "kill",
    "wait",
    "inspect_container",
)


@dataclass(frozen=True)
class Call:
    name: str
    start: float
    end: float
    thread: int


class EngineRecorder:
    """Records every engine API call made by any APIClient while ``recording()`` is open."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        originals = {name: getattr(APIClient, name) for name in ENGINE_CALLS if hasattr(APIClient, name)}
        for name, original in originals.items():
            setattr(APIClient, name, self._timed(name, original))
        try:
            yield
        finally:
            for name, original in originals.items():
                setattr(APIClient, name, original)

    def _timed(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                call = Call(name, start, time.perf_counter(), threading.get_ident())
                with self._lock:
                    self.calls.append(call)

        return timed

    def between(self, start: float, end: float) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if start <= c.start and c.end <= end]


def sandbox_parts(calls: list[Call], execute_s: float) -> dict[str, float]:
    """Splits one sandbox execution into engine phases.

    Calls from the thread that ran the execs belong to the submission; calls from other
    threads in the same window (a warm pool refilling) are reported as background.
    An exec runs from its exec_create to its exec_inspect (the stream is read between).
    """
    runner = next((c.thread for c in calls if c.name == "exec_create"), None)
    own = [c for c in calls if c.thread == runner]
    creates = [c for c in own if c.name == "exec_create"]
    inspects = [c for c in own if c.name == "exec_inspect"]
    execs = [inspect_.end - create.start for create, inspect_ in zip(creates, inspects, strict=False)]
    parts = {
        "container_create_start": sum(c.end - c.start for c in own if c.name in ("create_container", "start")),
        "exec_compile": execs[0] if execs else 0.0,
        "update_limits": sum(c.end - c.start for c in own if c.name == "update_container"),
        "exec_run": sum(execs[1:]),
        "container_remove": sum(c.end - c.start for c in own if c.name == "remove_container"),
        "background_engine_calls": sum(c.end - c.start for c in calls if c.thread != runner),
    }
    accounted = sum(v for k, v in parts.items() if k != "background_engine_calls")
    parts["sandbox_other"] = max(0.0, execute_s - accounted)
    return parts


class _Stopwatch:
    """Sums the time spent in wrapped coroutines and functions."""

    def __init__(self) -> None:
        self.total = 0.0

    def wrap_async(self, function: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(function)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                self.total += time.perf_counter() - start

        return timed


def profile(exercises: list[Exercise]) -> list[Sample]:
    """One sample per exercise, run one at a time through the real pipeline."""
    return asyncio.run(_profile(exercises))


async def _profile(exercises: list[Exercise]) -> list[Sample]:
    folder = Path(tempfile.mkdtemp(prefix="coderunner-bench-phases-"))
    settings = load_settings(
        database_url=f"sqlite:///{folder / 'coderunner.db'}", instance_name=f"bench-phases-{uuid.uuid4().hex[:8]}"
    )
    services = await asyncio.to_thread(build_services, settings, worker=True)  # the pipeline with a sandbox
    assert services.sandbox is not None
    await services.start()
    recorder = EngineRecorder()
    database, sandbox = _Stopwatch(), _Stopwatch()
    _wrap_public_coroutines(services.store, database)
    setattr(services.sandbox, "execute", sandbox.wrap_async(services.sandbox.execute))  # noqa: B010 (a timing proxy)
    samples = []
    try:
        with recorder.recording():
            for exercise in exercises:
                samples.append(await _one(services, exercise, recorder, database, sandbox))
    finally:
        await services.stop()
        for path in sorted(folder.glob("*"), reverse=True):
            path.unlink(missing_ok=True)
        folder.rmdir()
    return samples


async def _one(
    services: Any, exercise: Exercise, recorder: EngineRecorder, database: _Stopwatch, sandbox: _Stopwatch
) -> Sample:
    database.total = sandbox.total = 0.0
    start = time.perf_counter()
    execution = await services.pipeline.record(exercise.submission(), RequestInfo("bench", "bench-phases"))
    finished = await services.pipeline.run(execution)
    end = time.perf_counter()
    if finished.grade is None:
        raise RuntimeError(f"phases: {exercise.name}: no grade ({finished.error_type}: {finished.error_message})")
    accepted_or_raise("phases", exercise, finished.grade)
    phases = {"database": database.total, "sandbox": sandbox.total}
    phases |= sandbox_parts(recorder.between(start, end), sandbox.total)
    phases["generate_grade_other"] = max(0.0, end - start - database.total - sandbox.total)
    return Sample(exercise.name, end - start, phases)


def _wrap_public_coroutines(target: object, stopwatch: _Stopwatch) -> None:
    for name, member in inspect.getmembers(target, inspect.iscoroutinefunction):
        if not name.startswith("_"):
            setattr(target, name, stopwatch.wrap_async(member))
