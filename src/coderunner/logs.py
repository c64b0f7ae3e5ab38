"""Structured logs, configured once by the application (never by library code).

JSON lines when stderr is not a terminal (containers, CI), readable colours on a TTY.
The pipeline emits one canonical line per execution (``execution.finished``), the REST
app one per request (``http.request``). Records of the standard ``logging`` module
(uvicorn, grpc, asyncio) go through the same processors, so every line of the process
has one format; an exception is one event whose ``exception`` field holds the traceback.
"""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(log_format: str = "auto", level: str = "info") -> None:
    render_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if render_json
        # Plain tracebacks: rich's would print local variables (submitted code, URLs with passwords).
        else structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
    )
    # JSON carries the traceback as text in a field; the console renderer prints it itself.
    tracebacks: list[structlog.typing.Processor] = [structlog.processors.format_exc_info] if render_json else []
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    numeric_level = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[*shared, *tracebacks, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *tracebacks, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # Libraries (alembic, docker, grpc) speak at warning and above; uvicorn's start and stop lines are ours.
    root.setLevel(max(numeric_level, logging.WARNING))
    logging.getLogger("uvicorn").setLevel(numeric_level)
    # uvicorn's own access lines would repeat ours (``http.request``) without the route or the execution.
    logging.getLogger("uvicorn.access").disabled = True
