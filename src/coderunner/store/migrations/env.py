"""Alembic environment: run by ``coderunner.store.database.migrate`` (no alembic.ini).

``migrate`` hands over an open connection in ``config.attributes["connection"]``, already inside
the transaction (and lock) it commits; only for ``alembic_config()`` with a
``sqlalchemy.url`` (writing a new revision) does this file open a connection itself.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.types import TypeDecorator

from coderunner.store.database import create_engine_for
from coderunner.store.tables import Base


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite alters tables by copying them; batch mode writes future migrations that way.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def _render_item(kind: str, item: Any, _context: Any) -> str | Literal[False]:
    # A revision must not import the application: write our column types as what they store.
    if kind == "type" and isinstance(item, TypeDecorator):
        return f"sa.{item.impl_instance!r}"
    return False


def main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("call coderunner.store.database.migrate(), or set sqlalchemy.url to write a revision")
    engine = create_engine_for(url)
    try:
        with engine.begin() as own_connection:
            run(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported")
main()
