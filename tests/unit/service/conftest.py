"""The real pipeline and scheduler on the real SQL store (in-memory SQLite), with a scripted
sandbox and a store whose database can be taken away and given back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from coderunner.domain.execution import Execution, ExecutionStatus
from coderunner.domain.outcome import Grade, TestOutcome, TestStatus, Verdict
from coderunner.domain.sandbox_job import SandboxJob, SandboxRun, StepLimits
from coderunner.domain.submission import Submission, TestCase
from coderunner.errors import StoreError
from coderunner.languages.plugin import GeneratedProgram, Language
from coderunner.metrics.prometheus import PrometheusMetrics
from coderunner.service.pipeline import Pipeline
from coderunner.service.ports import ExecutionFilter
from coderunner.store.database import create_engine_for, migrate
from coderunner.store.sql_store import SqlExecutionStore


class ScriptedSandbox:
    """Holds every job until ``release`` is set; counts the jobs it was given."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.jobs = 0

    async def execute(self, job: SandboxJob) -> SandboxRun:
        self.jobs += 1
        self.started.set()
        await self.release.wait()
        return SandboxRun(compile=(), run=())

    async def reap(self) -> int:
        return 0


class PassingLanguage:
    """Every test passes once the sandbox answers."""

    name = "cpp"
    display_name = "scripted"
    image = "coderunner-cpp"

    def generate(self, submission: Submission) -> GeneratedProgram:
        limits = StepLimits(wall_s=1, memory_mb=64, cpus=1, output_limit_bytes=1024)
        job = SandboxJob("coderunner-cpp", {}, (), limits, (), limits)
        return GeneratedProgram(job, "// program", "scripted", len(submission.tests), False, 0)

    def grade(self, submission: Submission, program: GeneratedProgram, run: SandboxRun) -> Grade:
        return Grade(Verdict.ACCEPTED, tests=tuple(TestOutcome(t.id, TestStatus.PASSED) for t in submission.tests))


class OutageStore:
    """The SQL store, except that while ``down`` every call raises StoreError, as it does
    when its database is unreachable."""

    def __init__(self, store: SqlExecutionStore) -> None:
        self.inner = store
        self.down = False

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method: Callable[..., Any] = getattr(self.inner, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise StoreError(f"could not {name}: connection refused")
            return await method(*args, **kwargs)

        return call

    async def statuses(self) -> dict[str, ExecutionStatus]:
        executions: Sequence[Execution] = await self.inner.list(ExecutionFilter(limit=200))
        return {e.id: e.status for e in executions}


def languages(name: str) -> Language:
    return PassingLanguage()


@pytest.fixture
def language_registry() -> Callable[[str], Language]:
    """``languages``, for tests that wire a pipeline of their own."""
    return languages


@pytest.fixture
def submission() -> Submission:
    return Submission.create(
        code="int f() { return 1; }", tests=[TestCase("t1", "", "1")], student_id="s", language="cpp"
    )


@pytest.fixture
def sandbox() -> ScriptedSandbox:
    return ScriptedSandbox()


@pytest.fixture
def store() -> OutageStore:
    engine = create_engine_for("sqlite://")
    migrate(engine)
    return OutageStore(SqlExecutionStore(engine))


@pytest.fixture
def metrics() -> PrometheusMetrics:
    """The real Prometheus adapter, with its own registry: what the pipeline reported."""
    return PrometheusMetrics()


@pytest.fixture
def pipeline(store: OutageStore, sandbox: ScriptedSandbox, metrics: PrometheusMetrics) -> Pipeline:
    return Pipeline(store, sandbox, languages, server_instance="unit", metrics=metrics)  # type: ignore[arg-type]
