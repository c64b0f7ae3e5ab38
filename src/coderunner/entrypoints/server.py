"""REST and gRPC in one process and one event loop: ``await serve(settings)``.

Start-up: build the services (database migrated, engine answering), start them (images
ready, a crashed predecessor's records and containers cleaned up), then listen. Once both
servers listen, one line goes to stdout::

    coderunner: listening http=8080 grpc=50051

(the bound ports, so port 0 works) and, when ``CODERUNNER_PORTS_FILE`` is set, the same
ports are written to that file as JSON. SIGTERM or SIGINT stops accepting, answers
requests still sending their body 503 at once, gives running requests
``SHUTDOWN_GRACE_S`` to finish, then cancels what is left (records end ``cancelled``,
containers removed; a REST request still waiting gets 503, a gRPC call UNAVAILABLE). A
second signal skips the grace, not the clean-up after it (records ended, sandboxes
removed: bounded, and what it leaves the next start removes); SIGKILL skips everything.

Run it with ``coderunner serve`` or ``python -m coderunner.entrypoints.server``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import structlog
import uvicorn

from coderunner.bootstrap import Services, build_services
from coderunner.entrypoints.grpc.server import GrpcServer
from coderunner.entrypoints.rest.app import create_app
from coderunner.entrypoints.rest.http_protocol import timed_h11
from coderunner.entrypoints.rest.schemas import webhook_body
from coderunner.settings import Settings

log = structlog.get_logger("coderunner.server")

SHUTDOWN_GRACE_S = 20.0
PORTS_FILE_ENV = "CODERUNNER_PORTS_FILE"


class _EmbeddedUvicorn(uvicorn.Server):
    """uvicorn without its own signal handling: ``serve`` owns the signals and stops both servers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(settings: Settings) -> None:
    """Serves REST on ``settings.host:http_port`` and gRPC on ``settings.host:grpc_port`` until signalled.

    Raises ``SandboxUnavailable`` / ``StoreError`` when the engine or the database is
    missing at start-up, and ``OSError`` when a port cannot be bound.
    """
    services = await asyncio.to_thread(build_services, settings, webhook_body)
    await services.start()
    with _StopSignals() as signals:
        try:
            await _serve_started(services, settings, signals.stop, signals.hurry)
        finally:
            # Still under the handlers: a further signal must not kill the process while
            # it ends its sandboxes and records (bounded; SIGKILL is the way to skip it).
            log.info("server.cleaning_up")
            await services.stop()
            log.info("server.stopped")


class _StopSignals:
    """SIGTERM / SIGINT while it is entered: the first sets ``stop``, any later one ``hurry``."""

    def __init__(self) -> None:
        self.stop = asyncio.Event()
        self.hurry = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    def __enter__(self) -> _StopSignals:
        for signum in (signal.SIGTERM, signal.SIGINT):
            self._loop.add_signal_handler(signum, self._on_signal, signum)
        return self

    def __exit__(self, *_exc: object) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            self._loop.remove_signal_handler(signum)

    def _on_signal(self, signum: int) -> None:
        log.info("server.signal", signal=signal.Signals(signum).name, hurry=self.stop.is_set())
        (self.hurry if self.stop.is_set() else self.stop).set()


async def _serve_started(services: Services, settings: Settings, stop: asyncio.Event, hurry: asyncio.Event) -> None:
    app = create_app(services, manage_services=False)
    config = uvicorn.Config(
        app,
        http=timed_h11(settings.request_read_timeout_s),
        host=settings.host,
        port=settings.http_port,
        lifespan="off",
        log_config=None,
        access_log=False,
        # A backstop: at SHUTDOWN_GRACE_S, serve() cancels the evaluations first (see below).
        timeout_graceful_shutdown=int(SHUTDOWN_GRACE_S) + 2,
    )
    http = _EmbeddedUvicorn(config)
    http_socket = config.bind_socket()
    http_port = http_socket.getsockname()[1]
    grpc_server = GrpcServer(services, settings.host, settings.grpc_port)
    grpc_port = await grpc_server.start()
    http_task = asyncio.create_task(http.serve(sockets=[http_socket]), name="uvicorn")
    while not http.started and not http_task.done():
        await asyncio.sleep(0.01)
    if http_task.done():
        await grpc_server.stop(0)
        await http_task  # raises why uvicorn could not start
        raise OSError(f"the HTTP server stopped at start-up on {settings.host}:{http_port}")
    _announce(http_port, grpc_port)
    log.info("server.listening", host=settings.host, http_port=http_port, grpc_port=grpc_port)

    await stop.wait()
    log.info("server.stopping", grace_s=SHUTDOWN_GRACE_S)
    app.state.stopping.set()
    http.should_exit = True

    async def stop_servers() -> None:
        await asyncio.gather(grpc_server.stop(SHUTDOWN_GRACE_S), http_task)

    shutdown = asyncio.create_task(stop_servers())
    hurried = asyncio.create_task(hurry.wait())
    await asyncio.wait({shutdown, hurried}, timeout=SHUTDOWN_GRACE_S, return_when=asyncio.FIRST_COMPLETED)
    if not shutdown.done():
        # Grace over (or a second signal): cancel the evaluations, so that every caller
        # still waiting gets its answer (503 / UNAVAILABLE) before the servers close.
        log.info("server.cancelling", in_flight=services.scheduler.in_flight, hurried=hurry.is_set())
        http.force_exit = hurry.is_set()
        await services.scheduler.drain()
    await shutdown
    hurried.cancel()


def _announce(http_port: int, grpc_port: int) -> None:
    print(f"coderunner: listening http={http_port} grpc={grpc_port}", flush=True)
    announce_ready({"http": http_port, "grpc": grpc_port})


def announce_ready(facts: dict[str, object]) -> None:
    """Writes ``facts`` as JSON to the file CODERUNNER_PORTS_FILE names, if it names one."""
    target = os.environ.get(PORTS_FILE_ENV)
    if target:
        path = Path(target)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(facts))
        partial.replace(path)  # readers never see half a file


def main() -> None:
    """``python -m coderunner.entrypoints.server``: settings from the environment, logs configured."""
    run_process(serve, log, "server")


def run_process(run: Callable[[Settings], Coroutine[Any, Any, None]], logger: Any, role: str) -> None:
    """Runs ``run`` with settings from the environment and logs configured, as a process's
    main: exit 2 when it cannot start (``<role>.cannot_start``), 1 when it crashes."""
    from coderunner.errors import CoderunnerError
    from coderunner.logs import configure_logging
    from coderunner.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    try:
        asyncio.run(run(settings))
    except (CoderunnerError, OSError) as exc:
        logger.error(f"{role}.cannot_start", error=str(exc))
        raise SystemExit(2) from exc
    except Exception as exc:
        # One JSON event with the traceback in a field, not Python's multi-line report.
        logger.exception(f"{role}.crashed", error_class=type(exc).__name__)
        raise SystemExit(1) from exc


if __name__ == "__main__":
    main()
