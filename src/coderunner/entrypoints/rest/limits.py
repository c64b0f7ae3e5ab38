"""``GET /v1/limits``: what a submission gets when it asks for nothing, and the most it may ask for."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from coderunner.bootstrap import Services
from coderunner.entrypoints.rest.auth import authenticated
from coderunner.entrypoints.rest.schemas import LimitsOut, ProblemOut
from coderunner.languages.registry import available_languages, get_language

router = APIRouter(dependencies=[Depends(authenticated)])


class ServiceLimitsOut(BaseModel):
    """The service's per-submission limits (CODERUNNER_*, CODERUNNER_LANGUAGE_LIMITS and
    CODERUNNER_MAX_* settings)."""

    defaults: dict[str, LimitsOut] = Field(description="By language: what an omitted limit is.")
    maxima: LimitsOut = Field(description="The most a request may ask for, in any language; more is refused (422).")


@router.get(
    "/v1/limits",
    response_model=ServiceLimitsOut,
    responses={401: {"model": ProblemOut, "description": "API keys are required and none, or no valid one, was sent."}},
    tags=["service"],
)
async def limits(request: Request) -> ServiceLimitsOut:
    """Default and maximum resource limits of a submission (seconds, MB, CPUs, bytes)."""
    services: Services = request.app.state.services
    return ServiceLimitsOut(
        defaults={
            name: LimitsOut.from_domain(services.default_limits(get_language(name))) for name in available_languages()
        },
        maxima=LimitsOut.from_domain(services.settings.max_limits()),
    )
