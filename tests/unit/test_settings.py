"""Settings: the operator's ceilings on per-request limits, and what start-up refuses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from coderunner.bootstrap import build_dispatcher, check_language_settings
from coderunner.errors import InvalidSubmission
from coderunner.languages.registry import get_language
from coderunner.settings import Settings, host_cpus, host_memory_mb
from coderunner.store.database import create_engine_for
from coderunner.store.sql_store import SqlExecutionStore


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_unset_ceilings_follow_the_machine_and_never_fall_below_the_defaults() -> None:
    maxima = settings().max_limits()

    assert max(float(host_cpus()), 1.0) == maxima.compile_cpus
    assert max(float(host_cpus()), 0.5) == maxima.cpus
    assert max(256, min(8192, host_memory_mb() // 4)) == maxima.memory_mb
    assert (60, 60) == (maxima.timeout_s, maxima.compile_timeout_s)


def test_a_configured_default_above_the_machines_ceiling_raises_that_ceiling() -> None:
    assert 16 == settings(cpus=16.0).max_limits().cpus
    assert 12 == settings(language_limits={"cpp": {"cpus": 12}}).max_limits().cpus


def test_a_plug_ins_declared_cpus_are_capped_at_the_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a one-CPU host, and Java declaring 2 CPUs for javac
    monkeypatch.setattr("coderunner.settings.host_cpus", lambda: 1)
    java = get_language("java")
    assert 2.0 == java.default_limits.compile_cpus
    # Then its default is the host's one CPU, and start-up accepts every language's defaults
    assert 1.0 == settings().default_limits("java", java.default_limits).compile_cpus
    check_language_settings(settings())
    # But a default the operator configured is taken as given, and refused above its ceiling
    assert 2.0 == settings(compile_cpus=2.0).default_limits("java", java.default_limits).compile_cpus


def test_set_ceilings_are_used_as_given_and_reach_the_input_policy() -> None:
    maxima = settings(timeout_s=5, max_timeout_s=10, max_memory_mb=512, max_cpus=1).input_policy().max_limits

    assert maxima is not None
    assert (10, 512, 1) == (maxima.timeout_s, maxima.memory_mb, maxima.cpus)


def test_a_ceiling_outside_what_limits_allow_is_refused_naming_the_variable() -> None:
    with pytest.raises(ValidationError, match=r"CODERUNNER_MAX_TIMEOUT_S: must be between 0\.1 and 300, got 1000"):
        settings(max_timeout_s=1000)


@pytest.mark.parametrize(
    ("values", "field", "problem"),
    [
        ({"max_memory_mb": 128}, "CODERUNNER_MAX_MEMORY_MB", "is 128, below cpp's default memory_mb 256"),
        ({"cpus": 2, "max_cpus": 1}, "CODERUNNER_MAX_CPUS", "is 1, below cpp's default cpus 2"),
        (
            {"language_limits": {"cpp": {"compile_timeout_s": 50}}, "max_compile_timeout_s": 40},
            "CODERUNNER_MAX_COMPILE_TIMEOUT_S",
            "is 40, below cpp's default compile_timeout_s 50",
        ),
    ],
)
def test_start_up_refuses_a_default_above_its_ceiling_naming_the_variable(
    values: dict[str, object], field: str, problem: str
) -> None:
    with pytest.raises(InvalidSubmission) as caught:
        check_language_settings(settings(**values))
    assert (field, problem) == (caught.value.field, caught.value.problem)


def test_keys_are_off_by_default_and_metrics_need_a_key_only_where_keys_exist() -> None:
    assert (False, False, None) == (
        settings().require_api_keys,
        settings().metrics_require_key,
        settings().metrics_port,
    )
    assert settings(require_api_keys=True, metrics_require_key=True).metrics_require_key
    with pytest.raises(ValidationError, match="CODERUNNER_METRICS_REQUIRE_KEY=true needs CODERUNNER_REQUIRE_API_KEYS"):
        settings(metrics_require_key=True)


def test_serving_containers_are_the_default_isolation_and_single_use_ones_a_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CODERUNNER_ISOLATION", raising=False)
    assert "namespaces" == settings().isolation
    assert "container" == settings(isolation="container").isolation
    with pytest.raises(ValidationError, match="isolation"):
        settings(isolation="vm")


def test_the_broker_url_is_optional_and_must_be_redis() -> None:
    assert None is settings().broker_url
    assert None is settings(broker_url="").broker_url  # CODERUNNER_BROKER_URL= means embedded
    assert "redis://h:6379/1" == settings(broker_url="redis://h:6379/1").broker_url
    with pytest.raises(ValidationError, match="redis://"):
        settings(broker_url="amqp://h")


def test_worker_languages_come_as_a_comma_list_and_must_be_registered() -> None:
    assert ["cpp", "python"] == settings(worker_languages=" cpp, Python ,").worker_languages
    with pytest.raises(InvalidSubmission, match="CODERUNNER_WORKER_LANGUAGES"):
        check_language_settings(settings(worker_languages="cobol"))


def test_webhooks_are_off_until_a_secret_is_set_and_the_allow_list_is_comma_separated() -> None:
    assert settings().callback_policy() is None
    on = settings(webhook_secret="whsec_" + "A" * 32, webhook_allowed="127.0.0.1, *.example.com")
    policy = on.callback_policy()
    assert policy is not None
    assert ("*.example.com",) == policy.hosts


def test_a_bad_allow_list_entry_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError, match="'hooks/x' is neither"):
        settings(webhook_allowed="hooks/x")


def test_an_unusable_webhook_secret_stops_the_start_naming_the_variable_not_the_secret() -> None:
    config = settings(database_url="sqlite://", webhook_secret="not-a-secret-value")
    engine = create_engine_for("sqlite://")
    with pytest.raises(InvalidSubmission, match="must start with 'whsec_'") as refused:
        build_dispatcher(config, engine, SqlExecutionStore(engine), None)
    assert "CODERUNNER_WEBHOOK_SECRET" == refused.value.field
    assert "not-a-secret-value" not in str(refused.value)
