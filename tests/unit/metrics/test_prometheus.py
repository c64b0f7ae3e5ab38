"""The Prometheus adapter: what it renders for what it hears, and the multiprocess switch."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from coderunner.errors import InvalidSubmission
from coderunner.metrics.prometheus import MULTIPROC_ENV, PrometheusMetrics, multiprocess_dir
from coderunner.service.ports import Phase


def samples(metrics: PrometheusMetrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(metrics.exposition().decode())
        for s in family.samples
    }


def test_what_is_reported_is_rendered_with_its_labels() -> None:
    metrics = PrometheusMetrics()
    metrics.execution_finished("cpp", "completed", "accepted")
    metrics.phase_duration(Phase.BUILD, "cpp", 0.3)
    metrics.sandbox_failure("container_stopped")
    metrics.warm_pool_ready("coderunner-cpp", 2)
    metrics.warm_pool_take("coderunner-cpp", hit=False)
    metrics.scheduler_state(running=1, waiting=3, slots=4)

    got = samples(metrics)

    assert (
        1
        == got[
            (
                "coderunner_executions_total",
                frozenset({"language": "cpp", "status": "completed", "verdict": "accepted"}.items()),
            )
        ]
    )
    assert (
        1 == got[("coderunner_phase_duration_seconds_count", frozenset({"phase": "build", "language": "cpp"}.items()))]
    )
    assert 1 == got[("coderunner_sandbox_failures_total", frozenset({"kind": "container_stopped"}.items()))]
    assert 2 == got[("coderunner_warm_pool_ready", frozenset({"image": "coderunner-cpp"}.items()))]
    assert (
        1
        == got[("coderunner_warm_pool_takes_total", frozenset({"image": "coderunner-cpp", "outcome": "miss"}.items()))]
    )
    assert (1, 3, 4) == tuple(
        got[(name, frozenset())]
        for name in (
            "coderunner_scheduler_slots_in_use",
            "coderunner_scheduler_queue_depth",
            "coderunner_scheduler_slots",
        )
    )


def test_two_instances_do_not_share_values() -> None:
    first, second = PrometheusMetrics(), PrometheusMetrics()
    first.scheduler_rejected()
    assert 0 == samples(second)[("coderunner_scheduler_rejected_total", frozenset())]


def test_a_multiprocess_directory_that_is_not_one_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    assert None is multiprocess_dir()
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path / "missing"))
    with pytest.raises(InvalidSubmission) as refused:
        multiprocess_dir()
    assert MULTIPROC_ENV == refused.value.field
    # This process imported prometheus-client without the variable: setting it now cannot work.
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    with pytest.raises(InvalidSubmission, match="before the start"):
        multiprocess_dir()
