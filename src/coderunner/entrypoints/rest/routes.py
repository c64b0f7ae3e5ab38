"""Thin handlers: JSON → Submission → scheduler → Execution → JSON."""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException

from coderunner.bootstrap import Services
from coderunner.domain.execution import Execution, ExecutionStatus, RequestInfo
from coderunner.domain.submission import InputPolicy, text_problem
from coderunner.entrypoints.execution_ids import checked_execution_id
from coderunner.entrypoints.languages import describe_languages
from coderunner.entrypoints.rest.access_log import STATE_EXECUTION_ID
from coderunner.entrypoints.rest.auth import CallerDep, authenticated
from coderunner.entrypoints.rest.problems import error_response, problem
from coderunner.entrypoints.rest.schemas import (
    ExecutionOut,
    ExecutionPage,
    ExecutionRequestIn,
    ExecutionSummaryOut,
    LanguageOut,
    LimitsOut,
    ProblemOut,
)
from coderunner.errors import CoderunnerError
from coderunner.service.ports import ExecutionFilter

# Every route here needs the caller's key when keys are required.
router = APIRouter(dependencies=[Depends(authenticated)])


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

_ERRORS: dict[int, dict[str, object]] = {
    status: {"model": ProblemOut, "description": text}
    for status, text in (
        (400, "The body is not JSON (or not UTF-8, or nested too deeply)."),
        (401, "API keys are required and none, or no valid one, was sent."),
        (404, "No such execution."),
        (408, "The request body stopped arriving; the connection is closed."),
        (413, "The body is larger than the configured limit."),
        (415, "The body is not sent as `application/json`."),
        (422, "The request is invalid; `field` names the part to fix."),
        (429, "Every slot and waiting place is taken, or the API key is over its quota; retry after `Retry-After` s."),
        (500, "A bug of ours; the detail points at the server log."),
        (503, "The sandbox or the database is unavailable, or the server is stopping; nothing was graded."),
    )
}


_ERRORS[429]["headers"] = {
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 1}}
}


def _errors(*statuses: int) -> dict[int | str, dict[str, object]]:
    return {status: _ERRORS[status] for status in statuses}


def require_json(request: Request) -> None:
    """Refuses a body that is not declared as JSON (415), naming the Content-Type it got."""
    declared = request.headers.get("content-type", "")
    media_type = declared.partition(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        got = f"got {declared!r}" if declared else "no Content-Type was sent"
        raise HTTPException(415, f"the body must be sent with Content-Type: application/json; {got}")


def _storable(value: str | None) -> str | None:
    problem_text = text_problem(value) if value is not None else None
    if problem_text is not None:
        raise PydanticCustomError("text", problem_text)
    return value


# Filters compare with stored ids, which are at most this long and hold only storable text.
IdFilter = Annotated[str | None, Query(max_length=InputPolicy().max_id_chars), AfterValidator(_storable)]
MAX_OFFSET = 1_000_000_000


@router.post(
    "/v1/executions",
    response_model=ExecutionOut,
    status_code=200,
    responses={
        202: {
            "model": ExecutionOut,
            "description": "Accepted; poll the Location.",
            "headers": {"Location": {"description": "The execution's URL.", "schema": {"type": "string"}}},
        },
        **_errors(400, 401, 408, 413, 415, 422, 429, 500, 503),
    },
    dependencies=[Depends(require_json)],
    tags=["executions"],
)
async def create_execution(
    body: ExecutionRequestIn,
    request: Request,
    services: ServicesDep,
    caller: CallerDep,
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
    execution, task = await services.access.submit(caller, submission, info)
    setattr(request.state, STATE_EXECUTION_ID, execution.id)
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
    responses=_errors(401, 404, 500, 503),
    tags=["executions"],
)
async def get_execution(execution_id: str, request: Request, services: ServicesDep, caller: CallerDep) -> ExecutionOut:
    """An execution with its per-test results (with API keys on: only one the caller's key submitted)."""
    execution = services.access.visible(caller, await services.store.get(checked_execution_id(execution_id)))
    setattr(request.state, STATE_EXECUTION_ID, execution.id)
    return ExecutionOut.from_execution(execution)


@router.get("/v1/executions", response_model=ExecutionPage, responses=_errors(401, 422, 500, 503), tags=["executions"])
async def list_executions(
    services: ServicesDep,
    caller: CallerDep,
    student_id: IdFilter = None,
    challenge_id: IdFilter = None,
    status: ExecutionStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> ExecutionPage:
    """Executions matching every given filter, newest first, a page at a time.

    An empty parameter (``?student_id=&limit=``) counts as not given. With API keys on,
    only the executions the caller's key submitted.
    """
    query = ExecutionFilter(student_id=student_id, challenge_id=challenge_id, status=status, limit=limit, offset=offset)
    items = await services.store.list(services.access.scoped(caller, query))
    return ExecutionPage(
        items=[ExecutionSummaryOut.from_execution(e) for e in items],
        limit=limit,
        offset=offset,
        next_offset=offset + len(items) if len(items) == limit else None,
    )


@router.get("/v1/languages", response_model=list[LanguageOut], responses=_errors(401, 503), tags=["service"])
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
