"""A sandbox worker of a scale-out deployment: ``coderunner worker`` (or ``python -m coderunner.entrypoints.worker``).

Start-up: build and start the services like an embedded server (engine, images, this
instance's leftovers reaped, warm pools), then take evaluations from the queues of the
languages this worker can run, and sweep the store for stranded records now and then
(``service/stranded.py``). Once it takes work, one line goes to stdout::

    coderunner: worker ready languages=cpp,python slots=2

and, when ``CODERUNNER_PORTS_FILE`` is set, ``{"languages": [...]}`` is written to that
file. SIGTERM or SIGINT drains: no new evaluation is taken, the running ones finish and
their results are written, what was prefetched goes back to the queue; then it exits.
"""

from __future__ import annotations

import asyncio
import signal

import structlog

from coderunner.bootstrap import build_services, build_sweep, build_worker
from coderunner.entrypoints.rest.schemas import webhook_body
from coderunner.entrypoints.server import announce_ready, run_process
from coderunner.settings import Settings

log = structlog.get_logger("coderunner.worker")


async def work(settings: Settings) -> None:
    """Grades what the queue brings until signalled, then drains.

    Raises ``SandboxUnavailable`` / ``StoreError`` / ``BrokerUnavailable`` when the engine,
    the database or the broker is missing at start-up.
    """
    # Workers write the final states, so they deliver the events and webhooks owed with them.
    services = await asyncio.to_thread(build_services, settings, webhook_body, worker=True)
    await services.start()
    try:
        loop = asyncio.get_running_loop()
        worker = await asyncio.to_thread(build_worker, services, loop)
        await asyncio.to_thread(worker.start)
        sweep, queue = build_sweep(services)
        sweeping = asyncio.create_task(sweep.run(), name="coderunner-stranded-sweep")
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        print(f"coderunner: worker ready languages={','.join(worker.languages)} slots={settings.slots}", flush=True)
        announce_ready({"languages": list(worker.languages)})
        log.info("worker.ready", languages=list(worker.languages), slots=settings.slots)
        await stop.wait()
        log.info("worker.draining")
        sweeping.cancel()
        await asyncio.gather(sweeping, return_exceptions=True)
        queue.close()
        # The evaluations still running need this loop: the drain waits in a thread.
        await asyncio.to_thread(worker.stop)
        log.info("worker.drained")
    finally:
        await services.stop()


def main() -> None:
    """``python -m coderunner.entrypoints.worker``: settings from the environment, logs configured."""
    run_process(work, log, "worker")


if __name__ == "__main__":
    main()
