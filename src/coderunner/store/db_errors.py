"""The one place where database errors become ``StoreError``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError

from coderunner.errors import StoreError

# SQLAlchemy wraps what the drivers raise while executing; sqlite3's own errors can still escape
# from the connect-time PRAGMAs, which run on the raw connection.
DATABASE_ERRORS = (SQLAlchemyError, sqlite3.Error)


@contextmanager
def map_db_errors(action: str) -> Iterator[None]:
    """Raise ``StoreError`` (caused by the original) for any database error inside the block.

    >>> with map_db_errors("read execution 42"):
    ...     pass
    """
    try:
        yield
    except DATABASE_ERRORS as exc:
        # The driver's own words; SQLAlchemy's message adds the statement and its parameters,
        # which can hold a whole submission. Both stay reachable through __cause__.
        reason = getattr(exc, "orig", None) or exc
        raise StoreError(f"could not {action}: {str(reason).strip()}") from exc
