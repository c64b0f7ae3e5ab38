"""Fixtures that run every store test against SQLite and against a real PostgreSQL.

PostgreSQL comes from ``CODERUNNER_TEST_POSTGRES_URL`` (``scripts/start-postgres.sh`` prints
one). Without it the PostgreSQL half is skipped locally and fails in CI (``CI`` set). Each test
gets an empty database: a new SQLite file, or a new PostgreSQL schema dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from coderunner.store.database import create_engine_for, migrate
from coderunner.store.sql_store import SqlExecutionStore

POSTGRES_URL_VARIABLE = "CODERUNNER_TEST_POSTGRES_URL"
SCHEMA_PREFIX = "coderunner_test_"  # every schema a test creates, and drops, starts with this


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An engine on the PostgreSQL test database, to create and drop schemas."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        message = f"{POSTGRES_URL_VARIABLE} is not set: run scripts/start-postgres.sh and export the URL it prints"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[URL]:
    """The URL of an empty database, not migrated."""
    if request.param == "sqlite":
        yield make_url(f"sqlite:///{tmp_path / 'store.db'}")
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    schema = f"{SCHEMA_PREFIX}{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def engine(database_url: URL) -> Iterator[Engine]:
    """An engine on a freshly migrated database."""
    engine = create_engine_for(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SqlExecutionStore:
    return SqlExecutionStore(engine)
