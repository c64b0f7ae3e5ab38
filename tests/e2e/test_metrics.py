"""/metrics, end to end: a real server grades real submissions, and Prometheus' own parser
reads back what happened — by language and verdict, each phase's latency, the scheduler,
the warm pool — on the HTTP port and on a port of its own; and with
PROMETHEUS_MULTIPROC_DIR, another process's executions (a `coderunner run`) count too.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from running_server import RunningServer, database_url, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
CODERUNNER = str(Path(sys.executable).with_name("coderunner"))
ADD = "int add(int a, int b) { return a + b; }"
BROKEN = "int add(int a, int b) { return a + ; }"
PY_ADD = "def add(a, b):\n    return a + b\n"
TESTS = [{"code_version_test_id": "t1", "input": "1, 2", "expected_output": "3"}]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def parse(text: str) -> Samples:
    """Every sample of a Prometheus exposition, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def grade(http: httpx.Client, code: str, language: str = "") -> dict[str, object]:
    response = http.post("/v1/executions", json={"language": language, "code": code, "tests": TESTS})
    assert 200 == response.status_code, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.fixture(scope="module")
def metrics_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, docker_client: object, metrics_port: int
) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("metrics-server")
    with RunningServer(
        folder, database_url("sqlite", folder), slots=2, warm_pool_sizes="cpp=1", metrics_port=metrics_port
    ).serving() as running:
        yield running


@pytest.fixture(scope="module")
def graded(server: RunningServer) -> Samples:
    """The metrics after four executions: C++ accepted twice, C++ not compiling, Python accepted."""
    with httpx.Client(base_url=server.http_url, timeout=120) as http:
        before = parse(http.get("/metrics").text)
        verdicts = [grade(http, ADD)["verdict"], grade(http, ADD)["verdict"], grade(http, BROKEN)["verdict"]]
        verdicts.append(grade(http, PY_ADD, "python")["verdict"])
        assert ["accepted", "accepted", "compilation_error", "accepted"] == verdicts
        after = parse(http.get("/metrics").text)
    return {key: after[key] - before.get(key, 0.0) for key in after}


def test_executions_are_counted_by_language_status_and_verdict(graded: Samples) -> None:
    name = "coderunner_executions_total"
    assert 2 == value(graded, name, language="cpp", status="completed", verdict="accepted")
    assert 1 == value(graded, name, language="cpp", status="completed", verdict="compilation_error")
    assert 1 == value(graded, name, language="python", status="completed", verdict="accepted")


def test_every_phase_has_a_latency_histogram(graded: Samples) -> None:
    count = "coderunner_phase_duration_seconds_count"
    for phase in ("queue_wait", "build", "sandbox", "total"):
        assert 3 == value(graded, count, phase=phase, language="cpp"), phase
        assert 1 == value(graded, count, phase=phase, language="python"), phase
    # The submission that did not compile ran no tests.
    assert 2 == value(graded, count, phase="tests", language="cpp")
    assert 0 < value(graded, "coderunner_phase_duration_seconds_sum", phase="total", language="cpp")


def test_the_warm_pool_reports_its_takes_and_what_is_ready(server: RunningServer, graded: Samples) -> None:
    takes = "coderunner_warm_pool_takes_total"
    hits, misses = (value(graded, takes, image="coderunner-cpp", outcome=o) for o in ("hit", "miss"))
    assert 3 == hits + misses
    # The serving pools (the default isolation) report their idle containers per language,
    # the one started at Python's first use included: once they are quiet, the gauges add
    # up to the server's containers.
    images = ("coderunner-cpp", "coderunner-python")

    def ready_per_image() -> dict[str, float] | None:
        now = parse(httpx.get(f"{server.http_url}/metrics").text)
        if not all(("coderunner_warm_pool_ready", frozenset({("image", image)})) in now for image in images):
            return None
        ready = {image: value(now, "coderunner_warm_pool_ready", image=image) for image in images}
        return ready if sum(ready.values()) == len(server.containers()) else None

    ready = wait_until(ready_per_image, 60, "the ready gauges to count the server's idle containers")
    assert all(count >= 1 for count in ready.values()), ready


def test_the_scheduler_is_idle_again_after_the_executions(server: RunningServer, graded: Samples) -> None:
    now = parse(httpx.get(f"{server.http_url}/metrics").text)
    assert 2 == value(now, "coderunner_scheduler_slots")
    assert 0 == value(now, "coderunner_scheduler_slots_in_use")
    assert 0 == value(now, "coderunner_scheduler_queue_depth")


def test_image_builds_and_sandbox_failures_are_declared(server: RunningServer) -> None:
    """Families with no event yet are still described, so dashboards and alerts can name them."""
    text = httpx.get(f"{server.http_url}/metrics").text
    families = {family.name for family in text_string_to_metric_families(text)}
    assert {"coderunner_image_builds", "coderunner_sandbox_failures", "coderunner_scheduler_rejected"} <= families


def test_the_metrics_port_serves_the_same_metrics(server: RunningServer, graded: Samples, metrics_port: int) -> None:
    own = parse(httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text)
    on_http = parse(httpx.get(f"{server.http_url}/metrics").text)
    name = "coderunner_executions_total"
    labels = {"language": "cpp", "status": "completed", "verdict": "accepted"}
    assert value(on_http, name, **labels) == value(own, name, **labels) >= 2


def test_metrics_answer_in_prometheus_text_format(server: RunningServer) -> None:
    response = httpx.get(f"{server.http_url}/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=")


def test_with_a_shared_directory_another_process_executions_count_too(tmp_path: Path, docker_client: object) -> None:
    """A server and a `coderunner run` share PROMETHEUS_MULTIPROC_DIR: the server's /metrics
    adds up both processes' executions (as it would a worker's)."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    server = RunningServer(tmp_path / "server", database_url("sqlite", tmp_path), slots=3)
    server.env["PROMETHEUS_MULTIPROC_DIR"] = str(shared)
    server.start()
    try:
        with httpx.Client(base_url=server.http_url, timeout=120) as http:
            assert "accepted" == grade(http, ADD)["verdict"]
        (tmp_path / "add.cpp").write_text(ADD)
        (tmp_path / "tests.json").write_text(json.dumps(TESTS))
        result = subprocess.run(
            [CODERUNNER, "run", str(tmp_path / "add.cpp"), "--tests", str(tmp_path / "tests.json")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
            env={
                **os.environ,
                "PROMETHEUS_MULTIPROC_DIR": str(shared),
                "CODERUNNER_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
                "CODERUNNER_WARM_POOL_SIZE": "0",
                "CODERUNNER_SLOTS": "5",
            },
        )
        assert 0 == result.returncode, result.stderr
        samples = parse(httpx.get(f"{server.http_url}/metrics").text)
        labels = {"language": "cpp", "status": "completed", "verdict": "accepted"}
        assert 2 == value(samples, "coderunner_executions_total", **labels)
        # Gauges add up the live processes only: the CLI's 5 slots ended with it.
        assert 3 == value(samples, "coderunner_scheduler_slots")
    finally:
        assert 0 == server.stop(), server.log_tail()
