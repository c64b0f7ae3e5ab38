"""API nodes and workers as real processes, sharing one Redis and one PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path
from typing import Any

import httpx
from private_redis import PrivateRedis
from running_server import RunningServer, wait_until

from coderunner.entrypoints.server_process import WORKER_MODULE

TERMINAL = {"completed", "failed", "timed_out", "cancelled"}
# Short, so that a killed worker's evaluations come back within seconds.
HEARTBEAT_TIMEOUT_S = 4


class Cluster:
    def __init__(self, folder: Path, redis: PrivateRedis, database: str) -> None:
        self.folder = folder
        self.redis = redis
        self.database = database
        self.apis: list[RunningServer] = []
        self.workers: list[RunningServer] = []
        self._run = f"test-{os.getpid()}-e2e-{uuid.uuid4().hex[:6]}"

    def _common(self) -> dict[str, object]:
        return {"broker_url": self.redis.url, "broker_heartbeat_timeout_s": HEARTBEAT_TIMEOUT_S}

    def api(self, **settings: object) -> RunningServer:
        name = f"{self._run}-api{len(self.apis) + 1}"
        server = RunningServer(self.folder / name, self.database, instance=name, **self._common(), **settings)
        self.apis.append(server.start())
        return server

    def worker(self, **settings: object) -> RunningServer:
        """A worker with its own instance name and UID range (two share no sandbox user)."""
        index = len(self.workers) + 1
        name = f"{self._run}-worker{index}"
        defaults: dict[str, object] = {"slots": 1, "uid_base": 700_000 + 100_000 * index, "warm_pool_size": 1}
        server = RunningServer(
            self.folder / name, self.database, instance=name, **self._common(), **(defaults | settings)
        )
        server.module = WORKER_MODULE
        self.workers.append(server.start())
        return server

    def tear_down(self) -> None:
        """Stops every process still running; a killed worker is started and stopped once
        more, so that its start-up reaps the sandboxes it left. (A test ends only once its
        records are final: the private Redis goes with the cluster, with what it still queued.)"""
        for server in [*self.apis, *self.workers]:
            if server.process is not None and server.process.poll() is None:
                server.process.terminate()
        for server in [*self.apis, *self.workers]:
            if server.process is not None:
                try:
                    server.process.wait(90)
                except Exception:
                    server.kill()
        for worker in self.workers:
            if worker.containers():
                worker.start()
                worker.stop()


async def post_all(urls: list[str], documents: list[dict[str, object]], *, wait: bool) -> list[httpx.Response]:
    """POSTs every document, round robin over ``urls``, at most 16 at a time."""
    limit = asyncio.Semaphore(16)
    async with httpx.AsyncClient(timeout=300) as client:

        async def post(index: int, document: dict[str, object]) -> httpx.Response:
            async with limit:
                url = f"{urls[index % len(urls)]}/v1/executions"
                return await client.post(url, json=document, params={"wait": str(wait).lower()})

        return list(await asyncio.gather(*(post(i, d) for i, d in enumerate(documents))))


def submission(student_id: str, index: int, *, correct: bool, language: str = "python") -> dict[str, Any]:
    """A cheap function submission; ``correct`` decides whether it is accepted or a wrong answer."""
    sign = "+" if correct else "-"
    if language == "python":
        code = f"def add(a: int, b: int) -> int:\n    return a {sign} b\n"
    else:
        code = f"int add(int a, int b) {{ return a {sign} b; }}"
    return {
        "challenge_id": "sum",
        "code_version_id": f"v{index}",
        "student_id": student_id,
        "language": language,
        "code": code,
        "tests": [{"code_version_test_id": "t1", "input": f"{index}, 2", "expected_output": str(index + 2)}],
    }


def slow(student_id: str, seconds: float) -> dict[str, Any]:
    """A Python program that sleeps ``seconds``, then prints ``done``: it holds a worker's slot."""
    code = f"import time\ntime.sleep({seconds})\nprint('done')\n"
    return {
        "student_id": student_id,
        "language": "python",
        "mode": "program",
        "code": code,
        "tests": [{"code_version_test_id": "t1", "input": "", "expected_output": "done"}],
    }


def records(server: RunningServer, student_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        page = httpx.get(
            f"{server.http_url}/v1/executions", params={"student_id": student_id, "limit": 200, "offset": len(found)}
        )
        assert 200 == page.status_code, page.text
        found += page.json()["items"]
        if page.json()["next_offset"] is None:
            return found


def all_final(server: RunningServer, student_id: str, count: int, timeout_s: float) -> list[dict[str, Any]]:
    """Waits until the student has ``count`` records, every one final; returns them."""

    def probe() -> list[dict[str, Any]] | None:
        found = records(server, student_id)
        done = len(found) >= count and all(r["status"] in TERMINAL for r in found)
        return found if done else None

    return wait_until(probe, timeout_s, f"{count} final records of {student_id}", interval_s=0.5)


def wait_running(server: RunningServer, student_id: str, count: int) -> list[dict[str, Any]]:
    """Waits until ``count`` of the student's evaluations are running; returns those."""

    def probe() -> list[dict[str, Any]] | None:
        running = [r for r in records(server, student_id) if r["status"] == "running"]
        return running if len(running) >= count else None

    return wait_until(probe, 120, f"{count} running evaluations of {student_id}", interval_s=0.2)
