"""Adapter: the execution store in SQL (SQLAlchemy 2, Alembic), on SQLite or PostgreSQL.

Rows never leave this package: ``SqlExecutionStore`` answers with the domain dataclasses.
Typical wiring (in the composition root)::

    engine = create_engine_for(settings.database_url)
    migrate(engine)
    store = SqlExecutionStore(engine)
"""

from coderunner.store.database import create_engine_for, migrate
from coderunner.store.sql_store import SqlExecutionStore

__all__ = ["SqlExecutionStore", "create_engine_for", "migrate"]
