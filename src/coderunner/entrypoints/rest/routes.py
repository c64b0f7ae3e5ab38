"""Thin handlers: JSON → Submission → scheduler → Execution → JSON."""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from coderunner.bootstrap import Services
from coderunner.domain.execution import Execution, ExecutionStatus, RequestInfo
from coderunner.entrypoints.languages import describe_languages
from coderunner.entrypoints.readiness import check_readiness
from coderunner.entrypoints.rest.problems import error_response, problem
from coderunner.entrypoints.rest.schemas import (
    CheckOut,
    ExecutionOut,
    ExecutionPage,
    ExecutionRequestIn,
    ExecutionSummaryOut,
    LanguageOut,
    LimitsOut,
    ProblemOut,
)
from coderunner.errors import CoderunnerError, InvalidSubmission
from coderunner.service.ports import ExecutionFilter

router = APIRouter()


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

_ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ProblemOut, "description": text}
    for status, text in (
        (400, "The body is not JSON."),
        (413, "The body is larger than the configured limit."),
        (422, "The request is invalid; `field` names the part to fix."),
        (429, "Every slot and waiting place is taken; retry later."),
        (503, "The sandbox or the database is unavailable; nothing was graded."),
    )
}


@router.post(
    "/v1/executions",
    response_model=ExecutionOut,
    status_code=200,
    responses={202: {"model": ExecutionOut, "description": "Accepted; poll the Location."}, **_ERRORS},
    tags=["executions"],
)
async def create_execution(
    body: ExecutionRequestIn,
    request: Request,
    services: ServicesDep,
    wait: Annotated[bool, Query(description="Wait for the result (up to the server's wait bound).")] = True,
) -> JSONResponse:
    """Grade a solution.

    With ``wait=true`` (the default) the answer is 200 with the result, or 202 with the
    execution as it stands if the server's wait bound passes first. With ``wait=false``
    it is 202 at once. A 202 carries a ``Location`` to poll. A client that disconnects
    while waiting cancels the evaluation.
    """
    settings = services.settings
    submission = body.to_submission(settings.input_policy(), services.default_limits)
    info = RequestInfo(
        client_address=request.client.host if request.client else "",
        user_agent=request.headers.get("user-agent", "")[:500],
    )
    execution, task = await services.scheduler.submit(submission, info)
    # The record keeps the outcome; when nobody awaits the task, its error must not be reported as lost.
    task.add_done_callback(_retrieve)
    location = str(request.url_for("get_execution", execution_id=execution.id).path)
    if not wait:
        return _accepted(execution, location)
    try:
        outcome, finished = await _wait_for_result(task, request, settings.request_wait_s)
    except CoderunnerError as exc:
        return error_response(exc, execution.id)
    if outcome is _Outcome.FINISHED and finished is not None:
        return JSONResponse(ExecutionOut.from_execution(finished).model_dump(mode="json"), status_code=200)
    if outcome is _Outcome.WAIT_BOUND:
        return _accepted(await services.store.get(execution.id), location)
    if outcome is _Outcome.CLIENT_GONE:
        # Nobody reads this; the status is for the access log (nginx's "client closed request").
        return problem(499, "client_closed_request", "the client went away; the evaluation was cancelled")
    return problem(503, "unavailable", "the server is shutting down; the evaluation was cancelled", None, execution.id)


def _accepted(execution: Execution, location: str) -> JSONResponse:
    body = ExecutionOut.from_execution(execution).model_dump(mode="json")
    return JSONResponse(body, status_code=202, headers={"Location": location})


class _Outcome(Enum):
    FINISHED = "finished"
    WAIT_BOUND = "wait_bound"  # the evaluation goes on; the client polls
    CLIENT_GONE = "client_gone"  # the evaluation was cancelled
    SHUTDOWN = "shutdown"  # the scheduler cancelled it (draining)


async def _wait_for_result(
    task: asyncio.Task[Execution], request: Request, wait_s: float
) -> tuple[_Outcome, Execution | None]:
    """Waits for ``task``, at most ``wait_s``, and cancels it if the client disconnects first.

    Raises what the evaluation raised (e.g. ``InfrastructureError``).
    """
    gone = asyncio.create_task(_client_gone(request))
    try:
        done, _ = await asyncio.wait({task, gone}, timeout=wait_s, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        # This request's own task was cancelled (forced shutdown): nobody waits for the result any more.
        await _cancel(task)
        raise
    finally:
        gone.cancel()
    if task in done:
        return (_Outcome.SHUTDOWN, None) if task.cancelled() else (_Outcome.FINISHED, task.result())
    if gone in done:
        await _cancel(task)
        return _Outcome.CLIENT_GONE, None
    return _Outcome.WAIT_BOUND, None


def _retrieve(task: asyncio.Task[Execution]) -> None:
    if not task.cancelled():
        task.exception()


async def _client_gone(request: Request) -> None:
    """Returns when the client disconnects (the body was already read, so only that can come)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def _cancel(task: asyncio.Task[Execution]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


@router.get(
    "/v1/executions/{execution_id}",
    response_model=ExecutionOut,
    responses={404: {"model": ProblemOut, "description": "No such execution."}},
    tags=["executions"],
)
async def get_execution(execution_id: str, services: ServicesDep) -> ExecutionOut:
    """An execution with its per-test results."""
    return ExecutionOut.from_execution(await services.store.get(execution_id))


@router.get("/v1/executions", response_model=ExecutionPage, responses={422: _ERRORS[422]}, tags=["executions"])
async def list_executions(
    services: ServicesDep,
    student_id: str | None = None,
    challenge_id: str | None = None,
    status: Annotated[
        str | None, Query(description="pending, running, completed, failed, timed_out, cancelled")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ExecutionPage:
    """Executions matching every given filter, a page at a time."""
    try:
        wanted = ExecutionStatus(status) if status else None
    except ValueError:
        known = ", ".join(s.value for s in ExecutionStatus)
        raise InvalidSubmission("status", f"unknown status {status!r}; one of {known}") from None
    query = ExecutionFilter(student_id=student_id, challenge_id=challenge_id, status=wanted, limit=limit, offset=offset)
    items = await services.store.list(query)
    return ExecutionPage(
        items=[ExecutionSummaryOut.from_execution(e) for e in items],
        limit=limit,
        offset=offset,
        next_offset=offset + len(items) if len(items) == limit else None,
    )


@router.get("/v1/languages", response_model=list[LanguageOut], responses={503: _ERRORS[503]}, tags=["service"])
async def languages(services: ServicesDep) -> list[LanguageOut]:
    """The languages this server grades, with the exact runtime version of each."""
    return [
        LanguageOut(
            name=info.name,
            display_name=info.display_name,
            image=info.image,
            runtime_version=info.runtime_version,
            modes=list(info.modes),
            file_extensions=list(info.file_extensions),
            default_limits=LimitsOut.from_domain(info.default_limits),
        )
        for info in await describe_languages(services)
    ]


@router.get("/healthz", tags=["service"])
async def healthz() -> dict[str, str]:
    """The process is alive (says nothing about its dependencies: see /readyz)."""
    return {"status": "alive"}


@router.get("/readyz", responses={503: {"description": "Not ready; `checks` says what failed."}}, tags=["service"])
async def readyz(services: ServicesDep) -> JSONResponse:
    """Ready to grade: the engine answers, the images are current and the database answers."""
    checks = await check_readiness(services)
    ready = all(check.ok for check in checks)
    body = {"ready": ready, "checks": [CheckOut(name=c.name, ok=c.ok, detail=c.detail).model_dump() for c in checks]}
    return JSONResponse(body, status_code=200 if ready else 503)
