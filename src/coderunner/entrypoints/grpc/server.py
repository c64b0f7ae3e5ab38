"""The grpc.aio server: ``SolutionEvaluationService``, the standard health service and reflection."""

from __future__ import annotations

import asyncio
import contextlib

import grpc
import structlog
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from coderunner.bootstrap import Services
from coderunner.entrypoints.grpc.handlers import SERVICE, service_handler
from coderunner.entrypoints.grpc.servicer import SolutionEvaluationService
from coderunner.entrypoints.readiness import check_readiness

log = structlog.get_logger("coderunner.grpc")

SERVICE_NAME: str = SERVICE.full_name
HEALTH_INTERVAL_S = 10.0


class GrpcServer:
    """Serves the API on ``host:port`` (port 0 picks a free one; ``start`` returns it).

    Health (``grpc.health.v1.Health``) answers SERVING for ``""`` and the service name
    while the readiness checks pass; they are repeated every ``HEALTH_INTERVAL_S``.
    """

    def __init__(self, services: Services, host: str, port: int) -> None:
        self._services = services
        self._address = f"{_bracketed(host)}:{port}"
        self._server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", services.settings.max_request_bytes),
                ("grpc.so_reuseport", 0),
            ]
        )
        self._health = health.aio.HealthServicer()
        self._watcher: asyncio.Task[None] | None = None
        self._server.add_generic_rpc_handlers((service_handler(SolutionEvaluationService(services)),))
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        reflection.enable_server_reflection((SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), self._server)

    async def start(self) -> int:
        """Binds, starts serving and returns the bound port."""
        port: int = self._server.add_insecure_port(self._address)
        if port == 0:
            raise OSError(f"gRPC cannot listen on {self._address}")
        await self._update_health()
        await self._server.start()
        self._watcher = asyncio.create_task(self._watch_health(), name="grpc-health")
        return port

    async def stop(self, grace_s: float) -> None:
        """Health turns NOT_SERVING, new calls are refused, running ones get ``grace_s`` to finish."""
        await self._health.enter_graceful_shutdown()
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        await self._server.stop(grace_s)

    async def _watch_health(self) -> None:
        while True:
            await asyncio.sleep(HEALTH_INTERVAL_S)
            await self._update_health()

    async def _update_health(self) -> None:
        checks = await check_readiness(self._services)
        failed = [f"{c.name}: {c.detail}" for c in checks if not c.ok]
        status = health_pb2.HealthCheckResponse.NOT_SERVING if failed else health_pb2.HealthCheckResponse.SERVING
        if failed:
            log.warning("grpc.not_serving", failed=failed)
        for name in ("", SERVICE_NAME):
            await self._health.set(name, status)


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
