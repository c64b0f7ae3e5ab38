"""The migrations build exactly the schema tables.py describes, and migrate() is safe to repeat."""

from __future__ import annotations

import multiprocessing

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL

from coderunner.store.database import alembic_config, create_engine_for, migrate
from coderunner.store.tables import Base

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_of(engine: Engine) -> tuple[str | None, list[str]]:
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
        return revision, sorted(inspect(connection).get_table_names())


def test_there_is_one_head() -> None:
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_migrations_match_the_orm_metadata(engine: Engine) -> None:
    """Autogenerate finds nothing to do on a migrated database: tables.py and versions/ agree."""
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)

    assert differences == []


def test_migrate_twice_is_a_no_op(database_url: URL) -> None:
    engine = create_engine_for(database_url)
    try:
        migrate(database_url)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO executions (id, challenge_id, code_version_id, student_id, language, code,"
                    " limits, status, error_type, error_message, created_at, server_instance, client_address,"
                    " user_agent, approved_test_ids, failed_test_ids, compile_output, stdout, stderr,"
                    " stdout_truncated, stderr_truncated, grade_error_message, grade_details, image_id,"
                    " compiler_version) VALUES ('kept', '', '', '', 'cpp', 'x', '{}', 'pending', '', '',"
                    " CURRENT_TIMESTAMP, '', '', '', '[]', '[]', '', '', '', FALSE, FALSE, '', '{}', '', '')"
                )
            )
        first = schema_of(engine)

        migrate(database_url)

        assert first == schema_of(engine)
        tables = ["alembic_version", "api_keys", "deliveries", "executions", "generated_programs", "test_results"]
        assert first == (HEAD, tables)
        with engine.connect() as connection:
            assert list(connection.scalars(text("SELECT id FROM executions"))) == ["kept"]
    finally:
        engine.dispose()


def test_migrate_from_several_processes_at_once(database_url: URL) -> None:
    """Service instances starting together all succeed, and the schema is built once."""
    url = database_url.render_as_string(hide_password=False)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.map(migrate, [url] * 4)

    engine = create_engine_for(database_url)
    try:
        assert schema_of(engine)[0] == HEAD
    finally:
        engine.dispose()
