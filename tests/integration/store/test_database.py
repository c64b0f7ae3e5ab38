"""create_engine_for configures each database the way the store relies on."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from coderunner.domain.execution import RequestInfo
from coderunner.domain.submission import Submission, TestCase
from coderunner.errors import StoreError
from coderunner.service.ports import ExecutionFilter
from coderunner.store.database import SQLITE_BUSY_TIMEOUT_MS, check_connection, create_engine_for, migrate
from coderunner.store.sql_store import SqlExecutionStore

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

SUBMISSION = Submission.create(language="cpp", code="int f();", tests=[TestCase(id="t", expected_output="1")])


def test_sqlite_file_gets_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'nested' / 'store.db'}")
    try:
        with engine.connect() as connection:
            pragmas = [
                connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            ]
    finally:
        engine.dispose()

    assert pragmas == ["wal", 1, SQLITE_BUSY_TIMEOUT_MS]


async def test_in_memory_sqlite_is_one_database_for_every_thread() -> None:
    engine = create_engine_for("sqlite://")
    try:
        migrate(engine)
        store = SqlExecutionStore(engine)
        ids = [str(uuid.uuid4()) for _ in range(20)]

        await asyncio.gather(*(store.create(i, SUBMISSION, RequestInfo(), datetime.now(UTC)) for i in ids))

        assert {execution.id for execution in await store.list(ExecutionFilter(limit=50))} == set(ids)
    finally:
        engine.dispose()


def test_plain_postgresql_urls_use_psycopg() -> None:
    engine = create_engine_for("postgresql://user:secret@127.0.0.1:5432/db")

    assert engine.url.drivername == "postgresql+psycopg"


@pytest.mark.parametrize("url", ["mysql://u:p@h/db", "postgresql+psycopg2://u:p@h/db"])
def test_other_databases_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="unsupported"):
        create_engine_for(url)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("sqlite:///{tmp}", id="sqlite-path-is-a-folder"),
        pytest.param("postgresql+psycopg://nobody:x@127.0.0.1:1/none?connect_timeout=2", id="postgresql-no-server"),
    ],
)
async def test_an_unreachable_database_raises_store_error(url: str, tmp_path: Path) -> None:
    engine = create_engine_for(url.format(tmp=tmp_path))
    try:
        with pytest.raises(StoreError) as raised:
            await SqlExecutionStore(engine).get("any")
        with pytest.raises(StoreError):
            migrate(engine)
        with pytest.raises(StoreError):
            check_connection(url.format(tmp=tmp_path))
    finally:
        engine.dispose()

    assert raised.value.__cause__ is not None


def test_check_connection_passes_on_a_reachable_database(database_url: URL) -> None:
    check_connection(database_url)


def test_foreign_keys_are_enforced_on_sqlite(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        migrate(engine)
        with pytest.raises(Exception, match="FOREIGN KEY"), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO test_results (execution_id, test_id, input, expected_output, custom_validation_code)"
                    " VALUES ('missing', 't', '', '', '')"
                )
            )
    finally:
        engine.dispose()
