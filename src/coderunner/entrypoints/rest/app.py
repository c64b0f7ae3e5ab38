"""The FastAPI application: ``create_app(services)``; OpenAPI docs at /docs (served offline)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import coderunner
from coderunner.bootstrap import Services
from coderunner.entrypoints.rest import limits, openapi, probes, problems
from coderunner.entrypoints.rest.access_log import AccessLog
from coderunner.entrypoints.rest.body_limit import BodyLimit
from coderunner.entrypoints.rest.query import EmptyQueryParams
from coderunner.entrypoints.rest.routes import router
from coderunner.entrypoints.rest.shutdown import AnswerWhenCancelled

DESCRIPTION = """Grades untrusted code in hardened, single-use Docker containers.

Send a solution and its test cases to `POST /v1/executions`; read stored executions back
with `GET /v1/executions/{id}`. The same service speaks gRPC (`SolutionEvaluationService`).
Every error is an `application/problem+json` body whose `error` names the kind and whose
`field`, for bad input, names the part of the request to fix.
"""


def create_app(services: Services, *, manage_services: bool = True) -> FastAPI:
    """The REST API over ``services``.

    With ``manage_services`` (the default) the app's lifespan calls ``services.start()``
    and ``services.stop()``; pass False when the caller runs them (``server.serve`` does,
    because the gRPC server shares them). Setting ``app.state.stopping`` (an
    ``asyncio.Event``) tells requests still sending their body that the server is stopping.

    >>> app = create_app(build_services(load_settings()))  # doctest: +SKIP
    >>> uvicorn.run(app)  # doctest: +SKIP
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if manage_services:
            await services.start()
        try:
            yield
        finally:
            if manage_services:
                await services.stop()

    app = FastAPI(
        title="coderunner",
        version=coderunner.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    settings = services.settings
    app.state.services = services
    app.state.stopping = asyncio.Event()
    app.include_router(router)
    app.include_router(limits.router)
    app.include_router(probes.router)
    problems.install(app, [*router.routes, *limits.router.routes, *probes.router.routes])
    openapi.install(app)
    # Outermost last: the query is cleaned before anything, the access log sees every answer.
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_request_bytes,
        read_timeout_s=settings.request_read_timeout_s,
        stopping=app.state.stopping,
    )
    app.add_middleware(AnswerWhenCancelled)
    app.add_middleware(AccessLog)
    app.add_middleware(EmptyQueryParams)
    return app
