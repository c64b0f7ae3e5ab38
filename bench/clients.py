"""coderunner's two APIs as the bench drives them: one call grades one exercise.

Each client is safe to share between threads (httpx.Client and a gRPC channel are).
The latency is the client's: from sending the request to holding the parsed answer.
"""

from __future__ import annotations

import time
from datetime import datetime

import grpc
import httpx

from bench.grading import check_verdict
from bench.measure import Sample
from bench.workload import Exercise
from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.entrypoints.grpc._generated import code_runner_pb2_grpc as rpc

REQUEST_TIMEOUT_S = 300.0


class RestClient:
    """``POST /v1/executions`` (waiting for the result)."""

    def __init__(self, base_url: str) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S)

    def run(self, exercise: Exercise) -> Sample:
        start = time.perf_counter()
        response = self._http.post("/v1/executions", json=exercise.request())
        body = response.json()
        seconds = time.perf_counter() - start
        if response.status_code != 200:
            check_verdict("rest", exercise, f"HTTP {response.status_code}", str(body)[:2000])
        check_verdict(
            "rest", exercise, body.get("verdict", ""), body.get("message", "") + body.get("error_message", "")
        )
        return Sample(exercise.name, seconds, _server_phases(body))

    def close(self) -> None:
        self._http.close()


def _server_phases(body: dict[str, object]) -> dict[str, float]:
    """What the server says about its own time: queued before a slot, then start to finish."""
    created, started, finished = (_time(body.get(key)) for key in ("created_at", "started_at", "finished_at"))
    phases = {
        "server_execution": float(body.get("execution_time_ms", 0)) / 1000,  # type: ignore[arg-type]
        "server_run_step": float(body.get("run_time_ms", 0)) / 1000,  # type: ignore[arg-type]
    }
    if created and started:
        phases["server_queued"] = (started - created).total_seconds()
    if created and finished:
        phases["server_created_to_finished"] = (finished - created).total_seconds()
    return phases


def _time(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


class GrpcClient:
    """``SolutionEvaluationService.EvaluateSolution``."""

    def __init__(self, target: str) -> None:
        self._channel = grpc.insecure_channel(target)
        self._stub = rpc.SolutionEvaluationServiceStub(self._channel)  # type: ignore[no-untyped-call]

    def run(self, exercise: Exercise) -> Sample:
        body = exercise.request()
        request = pb.ExecutionRequest(
            challenge_id=body["challenge_id"],
            code_version_id=body["code_version_id"],
            student_id=body["student_id"],
            code=body["code"],
            tests=[pb.TestCase(**test) for test in body["tests"]],
            language=body["language"],
            function_name=body.get("function_name", ""),
        )
        start = time.perf_counter()
        reply = self._stub.EvaluateSolution(request, timeout=REQUEST_TIMEOUT_S)
        seconds = time.perf_counter() - start
        check_verdict("grpc", exercise, reply.verdict, reply.message + reply.error_message)
        return Sample(exercise.name, seconds, {"server_execution": reply.execution_time_ms / 1000})

    def close(self) -> None:
        self._channel.close()
