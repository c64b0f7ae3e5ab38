"""The method table of ``SolutionEvaluationService``, built from the proto's descriptor.

Instead of the generated ``add_..._to_server`` (whose deserializer raises, which grpc
answers as UNKNOWN naming a Python exception), every method here:

* gets its request through a deserializer that never raises: bytes that are not the
  message (garbage, a string field with invalid UTF-8) are answered INVALID_ARGUMENT;
* answers a bug of ours INTERNAL "see the server log" (logged with its traceback), never
  UNKNOWN with a Python exception's name;
* logs one ``grpc.request`` line: method, status code, duration, execution id when known.

A method added to the proto and implemented on the servicer is served without a change here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import structlog
from google.protobuf.message import DecodeError, Message

from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb

log = structlog.get_logger("coderunner.grpc")

SERVICE = pb.DESCRIPTOR.services_by_name["SolutionEvaluationService"]
Behaviour = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Message]]


@dataclass(frozen=True)
class Unreadable:
    """What a request's bytes became when they are not the expected message."""

    message_type: str
    reason: str


def service_handler(servicer: object) -> grpc.GenericRpcHandler:
    """Every method of the service, served by ``servicer``'s method of the same name."""
    handlers: dict[str, grpc.RpcMethodHandler] = {}
    for method in SERVICE.methods:
        if method.client_streaming or method.server_streaming:
            raise TypeError(f"{method.name}: only unary methods are served")
        request_class: type[Message] = getattr(pb, method.input_type.name)
        response_class: type[Message] = getattr(pb, method.output_type.name)
        handlers[method.name] = grpc.unary_unary_rpc_method_handler(
            _logged(method.name, _refusing_unreadable(_internal_on_bug(getattr(servicer, method.name)))),
            request_deserializer=_lenient(request_class),
            response_serializer=response_class.SerializeToString,
        )
    return grpc.method_handlers_generic_handler(SERVICE.full_name, handlers)


def _lenient(message_class: type[Message]) -> Callable[[bytes], Message | Unreadable]:
    def deserialize(data: bytes) -> Message | Unreadable:
        try:
            return message_class.FromString(data)
        except DecodeError as exc:
            return Unreadable(message_class.DESCRIPTOR.name, str(exc).rpartition(": ")[2] or "cannot be parsed")

    return deserialize


def _refusing_unreadable(behaviour: Behaviour) -> Behaviour:
    async def refusing(request: Any, context: grpc.aio.ServicerContext) -> Message:
        if isinstance(request, Unreadable):
            detail = f"the request is not a valid {request.message_type} message: {request.reason}"
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, detail)
        return await behaviour(request, context)

    return refusing


def _internal_on_bug(behaviour: Behaviour) -> Behaviour:
    async def guarded(request: Any, context: grpc.aio.ServicerContext) -> Message:
        try:
            return await behaviour(request, context)
        except grpc.aio.AbortError:
            raise  # an answer already chosen (context.abort)
        except Exception as exc:
            log.exception("rpc.bug", error_class=type(exc).__name__)
            await context.abort(grpc.StatusCode.INTERNAL, "internal error; see the server log")
            raise AssertionError("unreachable: context.abort raises") from exc

    return guarded


def _logged(name: str, behaviour: Behaviour) -> Behaviour:
    async def logged(request: Any, context: grpc.aio.ServicerContext) -> Message:
        # What the method binds (the caller's key) joins its lines and this one, and no other call's.
        structlog.contextvars.clear_contextvars()
        started = time.monotonic()
        code = "UNKNOWN"
        execution_id = getattr(request, "execution_id", "")
        try:
            response = await behaviour(request, context)
            code = "OK"
            execution_id = getattr(response, "execution_id", execution_id)
            return response
        except asyncio.CancelledError:
            # The call was cancelled: its client left, or the server stopping ended it (whose
            # runtime then answers UNAVAILABLE) — never a failure of ours.
            code = _code_name(context, default="CANCELLED")
            raise
        except BaseException:
            code = _code_name(context, default="CANCELLED" if context.cancelled() else "UNKNOWN")
            raise
        finally:
            fields: dict[str, Any] = {"method": name, "code": code, "duration_ms": _ms(started)}
            if execution_id:
                fields["execution_id"] = str(execution_id)[:80]
            level = log.info if code == "OK" else log.error if code in ("INTERNAL", "UNKNOWN") else log.warning
            level("grpc.request", **fields)

    return logged


def _code_name(context: grpc.aio.ServicerContext, default: str) -> str:
    code = context.code()
    return code.name if isinstance(code, grpc.StatusCode) else default


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
