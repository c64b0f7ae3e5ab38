"""``PrometheusMetrics``: the ``Metrics`` port on prometheus-client, and its exposition.

One process: the metrics live in a registry of this object and ``exposition()`` renders
them. Several processes (a server and ``coderunner worker`` processes, or uvicorn
workers): set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by all of them
*before they start* (prometheus-client's own switch, read when it is imported); each
process then writes its values to files there, and ``exposition()`` in any of them sums
every process's counters and histograms and the gauges of the live ones. A process that
ends calls ``close()`` so that its gauges stop counting.
"""

from __future__ import annotations

import os
from pathlib import Path
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
    values,
)

from coderunner.errors import InvalidSubmission
from coderunner.service.ports import Phase

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
# Phases last from milliseconds (a warm build step) to minutes (a queue under load).
PHASE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
BUILD_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200)


def multiprocess_dir() -> Path | None:
    """The shared directory of multiprocess mode, or None in single-process mode.

    Raises ``InvalidSubmission`` (field ``PROMETHEUS_MULTIPROC_DIR``) when the variable names
    something that is not a writable directory, or was set too late to take effect.
    """
    value = os.environ.get(MULTIPROC_ENV)
    if not value:
        return None
    path = Path(value)
    if not path.is_dir() or not os.access(path, os.W_OK):
        raise InvalidSubmission(MULTIPROC_ENV, f"{value!r} is not a writable directory (create it, empty, first)")
    if not getattr(values.ValueClass, "_multiprocess", False):
        # prometheus-client reads the variable once, when it is imported.
        raise InvalidSubmission(MULTIPROC_ENV, "was set after prometheus-client was imported: set it before the start")
    return path


class PrometheusMetrics:
    """Counters, gauges and histograms named ``coderunner_*``; see the README for the list."""

    def __init__(self) -> None:
        self._shared = multiprocess_dir()
        self._server: WSGIServer | None = None
        registry = CollectorRegistry(auto_describe=True)
        if self._shared is None:
            self._exposed = registry
        else:
            # Every process's files, read at each scrape; this process's own values are among them.
            self._exposed = CollectorRegistry()
            multiprocess.MultiProcessCollector(self._exposed, path=str(self._shared))  # type: ignore[no-untyped-call]
        self._executions = Counter(
            "coderunner_executions",
            "Executions that reached a final state, by language, status and verdict ('' when none).",
            ["language", "status", "verdict"],
            registry=registry,
        )
        self._phases = Histogram(
            "coderunner_phase_duration_seconds",
            "How long each phase of an execution took (queue_wait, build, tests, sandbox, total).",
            ["phase", "language"],
            buckets=PHASE_BUCKETS,
            registry=registry,
        )
        self._failures = Counter(
            "coderunner_sandbox_failures",
            "Failures of ours around a sandbox, by kind (never a submission's own failure).",
            ["kind"],
            registry=registry,
        )
        self._pool_ready = Gauge(
            "coderunner_warm_pool_ready",
            "Started containers waiting idle in an image's pool (single-use or serving).",
            ["image"],
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._pool_takes = Counter(
            "coderunner_warm_pool_takes",
            "Jobs that looked for a warm container: hit (found one) or miss (started their own).",
            ["image", "outcome"],
            registry=registry,
        )
        self._slots = Gauge(
            "coderunner_scheduler_slots",
            "Executions that may run at once.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._running = Gauge(
            "coderunner_scheduler_slots_in_use",
            "Executions holding a slot now.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._waiting = Gauge(
            "coderunner_scheduler_queue_depth",
            "Executions admitted and waiting for a slot.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._rejected = Counter(
            "coderunner_scheduler_rejected",
            "Submissions refused because every place was taken (429).",
            registry=registry,
        )
        self._builds = Counter(
            "coderunner_image_builds",
            "Sandbox image builds, by image and outcome.",
            ["image", "outcome"],
            registry=registry,
        )
        self._build_seconds = Histogram(
            "coderunner_image_build_duration_seconds",
            "How long sandbox image builds took.",
            ["image"],
            buckets=BUILD_BUCKETS,
            registry=registry,
        )

    def execution_finished(self, language: str, status: str, verdict: str) -> None:
        self._executions.labels(language, status, verdict).inc()

    def phase_duration(self, phase: Phase, language: str, seconds: float) -> None:
        self._phases.labels(phase.value, language).observe(max(0.0, seconds))

    def sandbox_failure(self, kind: str) -> None:
        self._failures.labels(kind).inc()

    def warm_pool_ready(self, image: str, ready: int) -> None:
        self._pool_ready.labels(image).set(ready)

    def warm_pool_take(self, image: str, hit: bool) -> None:
        self._pool_takes.labels(image, "hit" if hit else "miss").inc()

    def scheduler_state(self, running: int, waiting: int, slots: int) -> None:
        self._running.set(running)
        self._waiting.set(waiting)
        self._slots.set(slots)

    def scheduler_rejected(self) -> None:
        self._rejected.inc()

    def image_build(self, image: str, succeeded: bool, seconds: float) -> None:
        self._builds.labels(image, "succeeded" if succeeded else "failed").inc()
        self._build_seconds.labels(image).observe(seconds)

    def exposition(self) -> bytes:
        """Every metric in Prometheus' text format (``CONTENT_TYPE``); in multiprocess mode,
        those of every process sharing the directory."""
        return generate_latest(self._exposed)

    def serve(self, host: str, port: int) -> int:
        """Serves ``exposition()`` at ``http://host:port/metrics`` from a background thread
        (until ``close``); returns the bound port (``port`` 0 picks a free one)."""
        self._server, _thread = start_http_server(port, addr=host, registry=self._exposed)
        return int(self._server.server_port)

    def close(self) -> None:
        """Stops serving; in multiprocess mode, this process's gauges stop counting (call at exit)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._shared is not None:
            multiprocess.mark_process_dead(os.getpid(), path=str(self._shared))  # type: ignore[no-untyped-call]
