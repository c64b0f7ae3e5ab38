"""Operators size each language's warm pool and override its default limits."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from coderunner.bootstrap import check_language_settings
from coderunner.domain.submission import Limits
from coderunner.errors import InvalidSubmission
from coderunner.settings import Settings

DECLARED = Limits(timeout_s=30.0, memory_mb=256, cpus=0.5, compile_memory_mb=1024)


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_pool_sizes_are_read_from_the_environment_spelling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODERUNNER_WARM_POOL_SIZES", "cpp=2, Python=0")
    monkeypatch.setenv("CODERUNNER_WARM_POOL_SIZE", "3")
    config = Settings(_env_file=None)  # type: ignore[call-arg]
    assert ({"cpp": 2, "python": 0}, 2, 0, 3) == (
        config.warm_pool_sizes,
        config.pool_size("cpp"),
        config.pool_size("python"),
        config.pool_size("java"),
    )
    assert (True, False) == (config.pool_at_start("cpp"), config.pool_at_start("java"))


@pytest.mark.parametrize(("value", "problem"), [("cpp", "is not LANGUAGE=SIZE"), ("cpp=99", "between 0 and 64")])
def test_a_bad_pool_size_names_the_problem(monkeypatch: pytest.MonkeyPatch, value: str, problem: str) -> None:
    monkeypatch.setenv("CODERUNNER_WARM_POOL_SIZES", value)
    with pytest.raises(ValidationError, match=problem):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_the_plugins_limits_apply_unless_overridden_everywhere_then_per_language() -> None:
    config = settings(memory_mb=512, timeout_s=10, language_limits={"cpp": {"timeout_s": 5}})
    assert DECLARED == settings().default_limits("cpp", DECLARED)
    assert (5.0, 512, 0.5, 1024) == _key(config.default_limits("cpp", DECLARED))
    assert (10.0, 512, 0.5, 1024) == _key(config.default_limits("java", DECLARED))


def _key(limits: Limits) -> tuple[float, int, float, int]:
    return (limits.timeout_s, limits.memory_mb, limits.cpus, limits.compile_memory_mb)


def test_an_unknown_limit_name_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown limits"):
        settings(language_limits={"cpp": {"tiemout_s": 5}})


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"warm_pool_sizes": {"cobol": 1}}, "CODERUNNER_WARM_POOL_SIZES"),
        ({"language_limits": {"cobol": {"timeout_s": 5}}}, "CODERUNNER_LANGUAGE_LIMITS"),
        ({"language_limits": {"cpp": {"timeout_s": 100_000}}}, "limits.timeout_s"),
    ],
)
def test_the_service_refuses_settings_naming_an_unknown_language_or_out_of_range(
    values: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidSubmission) as caught:
        check_language_settings(settings(**values))
    assert field == caught.value.field
