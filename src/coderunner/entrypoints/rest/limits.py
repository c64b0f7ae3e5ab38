"""``GET /v1/limits``: what a submission gets when it asks for nothing, and the most it may ask for."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from coderunner.entrypoints.rest.schemas import LimitsOut
from coderunner.settings import Settings

router = APIRouter()


class ServiceLimitsOut(BaseModel):
    """The service's per-submission limits (CODERUNNER_* and CODERUNNER_MAX_* settings)."""

    defaults: LimitsOut = Field(description="What an omitted limit is.")
    maxima: LimitsOut = Field(description="The most a request may ask for; more is refused with 422.")


@router.get("/v1/limits", response_model=ServiceLimitsOut, tags=["service"])
async def limits(request: Request) -> ServiceLimitsOut:
    """Default and maximum resource limits of a submission (seconds, MB, CPUs, bytes)."""
    settings: Settings = request.app.state.services.settings
    return ServiceLimitsOut(
        defaults=LimitsOut.from_domain(settings.default_limits()),
        maxima=LimitsOut.from_domain(settings.max_limits()),
    )
