"""API keys in the store, on SQLite and PostgreSQL: only hashes are kept, revocation is
immediate, and each execution remembers the key that submitted it."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from coderunner.domain.execution import RequestInfo
from coderunner.domain.submission import Submission, TestCase
from coderunner.errors import StoreError, Unauthenticated
from coderunner.service.keys import ApiKeys, hash_secret
from coderunner.service.ports import ExecutionFilter
from coderunner.store.key_store import SqlApiKeyStore
from coderunner.store.sql_store import SqlExecutionStore
from coderunner.store.tables import ApiKeyRow

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

T0 = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


@pytest.fixture
def keys(engine: Engine) -> ApiKeys:
    return ApiKeys(SqlApiKeyStore(engine), clock=lambda: T0)


async def test_a_created_key_is_recognised_by_its_secret_and_only_its_hash_is_stored(
    keys: ApiKeys, engine: Engine
) -> None:
    key, secret = await keys.create("grader-1", rate_per_minute=60, max_concurrent=4)

    assert key == await keys.recognise(secret)
    with engine.connect() as connection:
        stored = connection.execute(select(ApiKeyRow.secret_hash)).scalar_one()
    assert hash_secret(secret) == stored
    assert secret not in stored
    assert secret.startswith("crk_")
    assert len(secret) > 40


async def test_an_unknown_or_revoked_secret_is_refused(keys: ApiKeys) -> None:
    key, secret = await keys.create("grader-1")
    other, other_secret = await keys.create("grader-2")

    with pytest.raises(Unauthenticated, match="not valid"):
        await keys.recognise(secret + "x")
    revoked = await keys.revoke(key.id)

    assert revoked is not None
    assert T0 == revoked.revoked_at
    with pytest.raises(Unauthenticated, match="not valid"):
        await keys.recognise(secret)
    assert other == await keys.recognise(other_secret)


async def test_list_shows_every_key_and_revoking_an_unknown_one_says_so(keys: ApiKeys) -> None:
    first, _ = await keys.create("a")
    second, _ = await keys.create("b", max_concurrent=2)
    await keys.revoke(first.id)

    listed = await keys.list()

    assert {first.id, second.id} == {k.id for k in listed}
    assert {first.id: True, second.id: False} == {k.id: k.revoked for k in listed}
    assert None is await keys.revoke("key_nope")


async def test_two_keys_never_share_a_secret_hash(engine: Engine) -> None:
    store = SqlApiKeyStore(engine)
    key, secret = await ApiKeys(store, clock=lambda: T0).create("a")

    with pytest.raises(StoreError):
        await store.add(replace(key, id="key_copy"), hash_secret(secret))


async def test_each_execution_keeps_its_key_and_lists_filter_by_it(engine: Engine) -> None:
    store = SqlExecutionStore(engine)
    submission = Submission(
        language="cpp", code="int f() { return 1; }", tests=(TestCase(id="t", input="", expected_output="1"),)
    )
    mine, theirs, anonymous = (str(uuid.uuid4()) for _ in range(3))
    await store.create(mine, submission, RequestInfo(api_key_id="key_mine"), T0)
    await store.create(theirs, submission, RequestInfo(api_key_id="key_theirs"), T0)
    await store.create(anonymous, submission, RequestInfo(), T0)

    assert "key_mine" == (await store.get(mine)).request.api_key_id
    assert None is (await store.get(anonymous)).request.api_key_id
    assert [mine] == [e.id for e in await store.list(ExecutionFilter(api_key_id="key_mine"))]
    assert {mine, theirs, anonymous} == {e.id for e in await store.list(ExecutionFilter())}
