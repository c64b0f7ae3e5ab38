"""Each key's quotas: a token bucket of submissions per minute and a cap on executions at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coderunner.domain.api_key import ApiKey
from coderunner.errors import InvalidSubmission, QuotaExceeded, Unauthenticated
from coderunner.service.keys import bearer_token
from coderunner.service.quotas import Quotas

T0 = datetime(2026, 12, 2, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def a_key(**limits: int) -> ApiKey:
    return ApiKey(id="key_a", name="a", created_at=T0, **limits)  # type: ignore[arg-type]


def test_a_rate_allows_a_burst_then_one_more_per_interval() -> None:
    clock = Clock()
    quotas = Quotas(clock)
    key = a_key(rate_per_minute=3)
    for _ in range(3):
        quotas.admit(key)()

    with pytest.raises(QuotaExceeded) as refused:
        quotas.admit(key)
    assert 20 == refused.value.retry_after_s  # 3 a minute: one every 20 s

    clock.now += 20
    quotas.admit(key)()
    with pytest.raises(QuotaExceeded):
        quotas.admit(key)


def test_concurrency_counts_until_release_and_release_twice_counts_once() -> None:
    quotas = Quotas(Clock())
    key = a_key(max_concurrent=2)
    first, _second = quotas.admit(key), quotas.admit(key)
    with pytest.raises(QuotaExceeded, match="max_concurrent 2"):
        quotas.admit(key)

    first()
    first()
    quotas.admit(key)
    with pytest.raises(QuotaExceeded):
        quotas.admit(key)


def test_a_refund_gives_the_token_back() -> None:
    quotas = Quotas(Clock())
    key = a_key(rate_per_minute=1)
    quotas.admit(key)()
    quotas.refund(key)
    quotas.admit(key)()


def test_keys_do_not_share_quotas_and_no_limit_means_none() -> None:
    quotas = Quotas(Clock())
    limited = a_key(rate_per_minute=1)
    quotas.admit(limited)
    quotas.admit(ApiKey(id="key_b", name="b", created_at=T0, rate_per_minute=1))
    unlimited = ApiKey(id="key_c", name="c", created_at=T0)
    for _ in range(1000):
        quotas.admit(unlimited)


@pytest.mark.parametrize(
    ("field", "limits"), [("rate_per_minute", {"rate_per_minute": 0}), ("max_concurrent", {"max_concurrent": -1})]
)
def test_limits_out_of_range_name_their_field(field: str, limits: dict[str, int]) -> None:
    with pytest.raises(InvalidSubmission) as refused:
        a_key(**limits)
    assert field == refused.value.field


@pytest.mark.parametrize(
    ("header", "token"), [("Bearer crk_x", "crk_x"), ("bearer   crk_y ", "crk_y"), ("BEARER crk_z", "crk_z")]
)
def test_bearer_tokens_are_read_in_any_case(header: str, token: str) -> None:
    assert token == bearer_token(header)


@pytest.mark.parametrize("header", [None, "", "Bearer", "Basic abc", "crk_x", "Token crk_x"])
def test_anything_but_a_bearer_token_is_unauthenticated_without_quoting_it(header: str | None) -> None:
    with pytest.raises(Unauthenticated) as refused:
        bearer_token(header)
    assert "abc" not in str(refused.value)
    assert "crk_x" not in str(refused.value)
