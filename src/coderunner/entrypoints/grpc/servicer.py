"""``SolutionEvaluationService`` on grpc.aio: request → Submission → scheduler → response.

Errors are answered with the status code from ``entrypoints.error_codes``; a request
error also carries the offending field in the trailing metadata key ``coderunner-field``,
and RESOURCE_EXHAUSTED carries ``retry-after`` (seconds) and ``grpc-retry-pushback-ms``
(which grpc's own retry policy honours). With API keys on, every method needs the metadata
``authorization: Bearer <key>`` (UNAUTHENTICATED otherwise), and a key reads only its own
executions. Requests are registered by ``handlers``, which
also answers undecodable bytes.
"""

from __future__ import annotations

import asyncio
from typing import NoReturn
from urllib.parse import unquote

import grpc
import structlog

from coderunner.bootstrap import Services
from coderunner.domain.api_key import ApiKey
from coderunner.domain.execution import RequestInfo
from coderunner.entrypoints.error_codes import error_field, retry_after_s, wire_error
from coderunner.entrypoints.execution_ids import checked_execution_id
from coderunner.entrypoints.grpc import convert
from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.entrypoints.grpc._generated import code_runner_pb2_grpc as pb_grpc
from coderunner.entrypoints.languages import describe_languages
from coderunner.errors import CoderunnerError, InvalidSubmission

log = structlog.get_logger("coderunner.grpc")

FIELD_METADATA_KEY = "coderunner-field"


class SolutionEvaluationService(pb_grpc.SolutionEvaluationServiceServicer):
    def __init__(self, services: Services) -> None:
        self._services = services

    async def EvaluateSolution(  # noqa: N802 - the proto's method name
        self, request: pb.ExecutionRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExecutionResponse:
        """Grades the solution and waits for the verdict.

        If the client cancels (or its deadline passes), this coroutine is cancelled and
        the scheduler cancels the evaluation with it: the container goes, the record
        ends ``cancelled``.
        """
        settings = self._services.settings
        try:
            key = await self._caller(context)
            submission = convert.to_submission(
                request, policy=settings.input_policy(), default_limits=self._services.default_limits
            )
            info = RequestInfo(
                client_address=_peer_address(context.peer()), user_agent=_metadata(context, "user-agent")
            )
            execution = await self._services.access.evaluate(key, submission, info)
        except CoderunnerError as exc:
            await _abort(context, exc)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is None or current.cancelling():
                raise  # the caller went away (or its deadline passed)
            # Only the evaluation was cancelled: the server is stopping.
            await context.abort(
                grpc.StatusCode.UNAVAILABLE, "the server is shutting down; the evaluation was cancelled"
            )
        return convert.to_response(execution)

    async def GetExecution(  # noqa: N802
        self, request: pb.GetExecutionRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExecutionDetails:
        try:
            key = await self._caller(context)
            if not request.execution_id:
                raise InvalidSubmission("execution_id", "is empty")
            stored = await self._services.store.get(checked_execution_id(request.execution_id))
            execution = self._services.access.visible(key, stored)
        except CoderunnerError as exc:
            await _abort(context, exc)
        return convert.to_details(execution)

    async def ListLanguages(  # noqa: N802
        self, request: pb.ListLanguagesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListLanguagesResponse:
        try:
            await self._caller(context)
            described = await describe_languages(self._services)
        except CoderunnerError as exc:
            await _abort(context, exc)
        return pb.ListLanguagesResponse(languages=[convert.to_language(info) for info in described])

    async def _caller(self, context: grpc.aio.ServicerContext) -> ApiKey | None:
        """The caller's key (None when keys are off); it joins this call's log lines."""
        key = await self._services.access.authenticate(_metadata(context, "authorization") or None)
        if key is not None:
            structlog.contextvars.bind_contextvars(api_key_id=key.id)
        return key


async def _abort(context: grpc.aio.ServicerContext, exc: CoderunnerError) -> NoReturn:
    row = wire_error(exc)
    field = error_field(exc)
    if row.http_status >= 500:
        log.error("rpc.failed", error_class=type(exc).__name__, error=str(exc))
    details = str(exc) if row.name != "internal" else "internal error; see the server log"
    metadata: tuple[tuple[str, str], ...] = ((FIELD_METADATA_KEY, field),) if field else ()
    if row.grpc_code == "RESOURCE_EXHAUSTED":
        wait_s = retry_after_s(exc)
        metadata += (("retry-after", str(wait_s)), ("grpc-retry-pushback-ms", str(wait_s * 1000)))
    await context.abort(grpc.StatusCode[row.grpc_code], details, trailing_metadata=metadata)
    raise AssertionError("unreachable: context.abort raises")


def _peer_address(peer: str) -> str:
    """``ipv4:127.0.0.1:5555`` → ``127.0.0.1``; ``ipv6:[::1]:5555`` → ``::1``."""
    kind, _, rest = unquote(peer).partition(":")
    if kind == "ipv4":
        return rest.rpartition(":")[0]
    if kind == "ipv6":
        return rest.rpartition(":")[0].strip("[]")
    return peer


def _metadata(context: grpc.aio.ServicerContext, name: str) -> str:
    """The first value of the metadata key ``name`` (cut to 500 characters), or ""."""
    for key, value in context.invocation_metadata() or ():
        if key == name:
            return str(value)[:500]
    return ""
