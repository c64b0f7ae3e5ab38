"""The real pipeline and scheduler on the real SQL store (in-memory SQLite), with a scripted
sandbox and a store whose database can be taken away and given back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from scripted import PassingLanguage, ScriptedSandbox

from coderunner.domain.execution import Execution, ExecutionStatus
from coderunner.domain.submission import Submission, TestCase
from coderunner.errors import StoreError
from coderunner.languages.plugin import Language
from coderunner.metrics.prometheus import PrometheusMetrics
from coderunner.service.pipeline import Pipeline
from coderunner.service.ports import ExecutionFilter
from coderunner.store.database import create_engine_for, migrate
from coderunner.store.sql_store import SqlExecutionStore


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
