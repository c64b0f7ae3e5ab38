"""The routes of operators and orchestrators: ``/healthz``, ``/readyz`` and ``/metrics``.

They are open even when API keys are required (probes carry no keys), except ``/metrics``
under ``CODERUNNER_METRICS_REQUIRE_KEY=true``, which then takes any valid key.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from coderunner.bootstrap import Services
from coderunner.entrypoints.readiness import check_readiness
from coderunner.entrypoints.rest.auth import authenticated
from coderunner.entrypoints.rest.schemas import CheckOut, ReadinessOut
from coderunner.metrics.prometheus import CONTENT_TYPE

router = APIRouter(tags=["service"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive (says nothing about its dependencies: see /readyz)."""
    return {"status": "alive"}


@router.get(
    "/readyz",
    response_model=ReadinessOut,
    responses={503: {"model": ReadinessOut, "description": "Not ready; `checks` says what failed."}},
)
async def readyz(request: Request) -> JSONResponse:
    """Ready to grade: the engine answers, the images are current and the database answers."""
    services: Services = request.app.state.services
    checks = await check_readiness(services)
    ready = all(check.ok for check in checks)
    body = {"ready": ready, "checks": [CheckOut(name=c.name, ok=c.ok, detail=c.detail).model_dump() for c in checks]}
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text format."}},
)
async def metrics(request: Request) -> Response:
    """Every metric of this process (of all processes sharing PROMETHEUS_MULTIPROC_DIR), for Prometheus."""
    services: Services = request.app.state.services
    if services.settings.metrics_require_key:
        await authenticated(request)
    return Response(services.metrics.exposition(), media_type=CONTENT_TYPE)
