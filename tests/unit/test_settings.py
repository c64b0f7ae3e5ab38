"""Settings: the operator's ceilings on per-request limits, and what start-up refuses."""

from __future__ import annotations

import pytest

from coderunner.settings import Settings, host_cpus, host_memory_mb


def test_unset_ceilings_follow_the_machine_and_never_fall_below_the_defaults() -> None:
    maxima = Settings(cpus=0.5, compile_cpus=1.0).max_limits()

    assert max(float(host_cpus()), 1.0) == maxima.compile_cpus
    assert max(float(host_cpus()), 0.5) == maxima.cpus
    assert max(256, min(8192, host_memory_mb() // 4)) == maxima.memory_mb
    assert (60, 60) == (maxima.timeout_s, maxima.compile_timeout_s)


def test_a_default_above_the_machines_ceiling_raises_that_ceiling() -> None:
    maxima = Settings(cpus=16.0, compile_cpus=16.0).max_limits()
    assert 16 == maxima.cpus


def test_set_ceilings_are_used_as_given_and_reach_the_input_policy() -> None:
    settings = Settings(timeout_s=5, max_timeout_s=10, max_memory_mb=512, max_cpus=1)

    maxima = settings.input_policy().max_limits

    assert maxima is not None
    assert (10, 512, 1) == (maxima.timeout_s, maxima.memory_mb, maxima.cpus)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"max_memory_mb": 128}, "CODERUNNER_MEMORY_MB (256) is above CODERUNNER_MAX_MEMORY_MB (128)"),
        ({"max_timeout_s": 1000}, "CODERUNNER_MAX_TIMEOUT_S: must be between 0.1 and 300, got 1000"),
        ({"timeout_s": 0}, "CODERUNNER_TIMEOUT_S: must be between 0.1 and 300, got 0"),
    ],
)
def test_start_up_refuses_limits_that_do_not_fit_naming_the_variable(values: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match="validation error") as caught:
        Settings(**values)  # type: ignore[arg-type]
    assert message in str(caught.value)
