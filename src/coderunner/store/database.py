"""Engines from a URL, and the schema migration that every start runs.

Supported URLs: ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, ``sqlite://``
(in memory, for tests) and ``postgresql+psycopg://user:password@host:port/database``
(``postgresql://`` is read as psycopg too).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool

from coderunner.store.db_errors import map_db_errors

SQLITE_BUSY_TIMEOUT_MS = 15_000
POSTGRES_CONNECT_TIMEOUT_S = 10
MIGRATIONS = Path(__file__).with_name("migrations")

# Any constant works, as long as every coderunner process uses the same one.
_MIGRATION_LOCK_KEY = 0x636F_6465_7275_6E  # "coderun"
# Alembic keeps its running context in a module global, so one migration per process at a time.
_migration_lock = threading.Lock()


def create_engine_for(url: str | URL) -> Engine:
    """An engine for ``url``, configured for the store.

    SQLite files get WAL (readers never wait for the writer), foreign keys, a busy timeout of
    ``SQLITE_BUSY_TIMEOUT_MS`` and ``BEGIN IMMEDIATE`` transactions; their folder is created.
    An in-memory SQLite database lives in a single connection that threads take in turn.
    Raises ``ValueError`` for any other kind of database.

    >>> create_engine_for("sqlite://").dialect.name
    'sqlite'
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        return _postgres_engine(parsed)
    raise ValueError(
        f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}: use sqlite or postgresql"
    )


def migrate(target: str | URL | Engine) -> None:
    """Upgrade the schema of ``target`` (a URL or an engine) to the newest revision.

    Safe at every start and from several processes at once: on PostgreSQL the processes queue
    on an advisory lock, on SQLite on the write lock, and the later ones find nothing to do.
    Raises ``StoreError`` when the database cannot be reached or refuses the change.
    """
    engine = target if isinstance(target, Engine) else create_engine_for(target)
    try:
        with _migration_lock, map_db_errors("migrate the schema"):
            deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
            for attempt in itertools.count(1):
                try:
                    _upgrade(engine)
                    return
                except OperationalError as error:
                    # SQLite answers "database is locked" without waiting in a few cases its busy
                    # timeout does not cover (a reader meeting a journal-mode switch or a WAL recovery
                    # of another process). The upgrade rolled back whole, so trying again is safe.
                    if not _sqlite_locked(engine, error) or time.monotonic() > deadline:
                        raise
                    time.sleep(min(0.05 * attempt, 1.0))
    finally:
        if engine is not target:
            engine.dispose()


def _upgrade(engine: Engine) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _sqlite_locked(engine: Engine, error: OperationalError) -> bool:
    return engine.dialect.name == "sqlite" and "database is locked" in str(error.orig)


def check_connection(url: str | URL) -> None:
    """Connect to ``url`` and run ``SELECT 1``; raises ``StoreError`` when that fails."""
    engine = create_engine_for(url)
    try:
        with map_db_errors("reach the database"), engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def alembic_config() -> Config:
    """Alembic's configuration, without an ``alembic.ini``.

    To write a new revision (then review it)::

        python -c "from alembic import command; from coderunner.store.database import alembic_config as c; \\
        cfg = c(); cfg.set_main_option('sqlalchemy.url', 'sqlite:///var/dev.db'); \\
        command.revision(cfg, 'what changed', autogenerate=True)"
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _sqlite_engine(url: URL) -> Engine:
    in_memory = url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
    options: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if in_memory:
        # Each connection to ":memory:" is a database of its own: keep exactly one, shared in turn.
        options.update(poolclass=QueuePool, pool_size=1, max_overflow=0)
    elif url.database and not url.database.startswith("file:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _sqlite_on_connect(in_memory))
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_on_connect(in_memory: bool) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun by _sqlite_begin, not by the driver's implicit BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # busy_timeout first: switching to WAL itself waits for other connections.
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    return on_connect


def _sqlite_begin(connection: Any) -> None:
    # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when
    # another connection wrote in between, whatever the busy timeout. Taking the write lock up
    # front makes writers queue (for up to the busy timeout) instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _postgres_engine(url: URL) -> Engine:
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername != "postgresql+psycopg":
        raise ValueError(f"unsupported PostgreSQL driver {url.drivername!r}: use postgresql+psycopg")
    connect_args = {} if "connect_timeout" in url.query else {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
