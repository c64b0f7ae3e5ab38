"""The FastAPI application: ``create_app(services)``; OpenAPI docs at /docs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import coderunner
from coderunner.bootstrap import Services
from coderunner.entrypoints.rest import limits, problems
from coderunner.entrypoints.rest.body_limit import BodyLimit
from coderunner.entrypoints.rest.routes import router

DESCRIPTION = """Grades untrusted code in hardened, single-use Docker containers.

Send a solution and its test cases to `POST /v1/executions`; read stored executions back
with `GET /v1/executions/{id}`. The same service speaks gRPC (`SolutionEvaluationService`).
"""


def create_app(services: Services, *, manage_services: bool = True) -> FastAPI:
    """The REST API over ``services``.

    With ``manage_services`` (the default) the app's lifespan calls ``services.start()``
    and ``services.stop()``; pass False when the caller runs them (``server.serve`` does,
    because the gRPC server shares them).

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

    app = FastAPI(title="coderunner", version=coderunner.__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.services = services
    app.include_router(router)
    app.include_router(limits.router)
    problems.install(app)
    app.add_middleware(BodyLimit, max_bytes=services.settings.max_request_bytes)
    return app
