"""``SqlApiKeyStore``: the ``ApiKeyStore`` port on SQLAlchemy, for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from coderunner.domain.api_key import ApiKey
from coderunner.store.db_errors import map_db_errors
from coderunner.store.tables import ApiKeyRow


class SqlApiKeyStore:
    """API keys in the database behind ``engine`` (migrated with ``migrate``); each method is
    one transaction in a worker thread; database failures raise ``StoreError``."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    async def add(self, key: ApiKey, secret_hash: str) -> None:
        await asyncio.to_thread(self._add, key, secret_hash)

    async def find(self, secret_hash: str) -> tuple[ApiKey, str] | None:
        return await asyncio.to_thread(self._find, secret_hash)

    async def all(self) -> list[ApiKey]:
        return await asyncio.to_thread(self._all)

    async def revoke(self, key_id: str, at: datetime) -> ApiKey | None:
        return await asyncio.to_thread(self._revoke, key_id, at)

    def _add(self, key: ApiKey, secret_hash: str) -> None:
        row = ApiKeyRow(
            id=key.id,
            name=key.name,
            secret_hash=secret_hash,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
            rate_per_minute=key.rate_per_minute,
            max_concurrent=key.max_concurrent,
        )
        with map_db_errors(f"store API key {key.id}"), self._sessions.begin() as session:
            session.add(row)

    def _find(self, secret_hash: str) -> tuple[ApiKey, str] | None:
        with map_db_errors("look up an API key"), self._sessions.begin() as session:
            row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.secret_hash == secret_hash)).one_or_none()
            return (_to_key(row), row.secret_hash) if row is not None else None

    def _all(self) -> list[ApiKey]:
        statement = select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id)
        with map_db_errors("list API keys"), self._sessions.begin() as session:
            return [_to_key(row) for row in session.scalars(statement)]

    def _revoke(self, key_id: str, at: datetime) -> ApiKey | None:
        with map_db_errors(f"revoke API key {key_id}"), self._sessions.begin() as session:
            row = session.get(ApiKeyRow, key_id, with_for_update=True)
            if row is None:
                return None
            if row.revoked_at is None:
                row.revoked_at = at
            return _to_key(row)


def _to_key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        created_at=row.created_at,
        rate_per_minute=row.rate_per_minute,
        max_concurrent=row.max_concurrent,
        revoked_at=row.revoked_at,
    )
