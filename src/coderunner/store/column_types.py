"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect, Text
from sqlalchemy.types import TypeDecorator


def storable(text: str) -> str:
    """``text`` as both databases can hold it.

    Untrusted programs print anything. PostgreSQL rejects NUL in text, so NUL becomes U+FFFD;
    a lone surrogate cannot be encoded as UTF-8, so it becomes ``?``. Other text is unchanged.

    >>> storable("a\\x00b")
    'a\\ufffdb'
    """
    text = text.replace("\x00", "\ufffd")
    try:
        text.encode()
    except UnicodeEncodeError:
        text = text.encode(errors="replace").decode()
    return text


class SafeText(TypeDecorator[str]):
    """Unbounded text, passed through ``storable`` on the way in."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else storable(value)


class UtcDateTime(TypeDecorator[datetime]):
    """An instant: timezone-aware on the way in, UTC on the way out.

    PostgreSQL stores ``timestamptz``. SQLite keeps no zone, so the value is written as naive UTC
    (which also keeps its text form sortable) and read back with UTC attached. A naive datetime
    is refused: its instant is unknown.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: pass a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
