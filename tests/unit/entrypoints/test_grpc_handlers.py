"""The service's method table on a real in-process grpc.aio server, with a scripted servicer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest

from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.entrypoints.grpc.handlers import SERVICE, service_handler


class Scripted:
    """GetExecution answers by the id: ``bug`` raises, ``gone`` aborts NOT_FOUND, anything else is found."""

    async def EvaluateSolution(  # noqa: N802 - the proto's method name
        self, request: pb.ExecutionRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExecutionResponse:
        return pb.ExecutionResponse(execution_id="e-1", success=True)

    async def GetExecution(  # noqa: N802
        self, request: pb.GetExecutionRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExecutionDetails:
        if request.execution_id == "bug":
            raise RuntimeError("a secret of the implementation")
        if request.execution_id == "gone":
            await context.abort(grpc.StatusCode.NOT_FOUND, "no execution with id 'gone'")
        return pb.ExecutionDetails(execution_id=request.execution_id)

    async def ListLanguages(  # noqa: N802
        self, request: pb.ListLanguagesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListLanguagesResponse:
        return pb.ListLanguagesResponse()


@pytest.fixture
async def channel() -> AsyncIterator[grpc.aio.Channel]:
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((service_handler(Scripted()),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as opened:
        yield opened
    await server.stop(0)


async def call(channel: grpc.aio.Channel, method: str, payload: bytes) -> bytes:
    multicallable = channel.unary_unary(f"/{SERVICE.full_name}/{method}")
    answer: bytes = await multicallable(payload, timeout=10)
    return answer


async def test_a_message_reaches_the_servicer(channel: grpc.aio.Channel) -> None:
    answer = await call(channel, "GetExecution", pb.GetExecutionRequest(execution_id="e-7").SerializeToString())
    assert "e-7" == pb.ExecutionDetails.FromString(answer).execution_id


@pytest.mark.parametrize("method", [m.name for m in SERVICE.methods])
async def test_bytes_that_are_not_the_message_are_invalid_argument(channel: grpc.aio.Channel, method: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call(channel, method, b"\xff\xff\xff\xff")
    assert grpc.StatusCode.INVALID_ARGUMENT == caught.value.code()
    assert "is not a valid" in (caught.value.details() or "")


async def test_a_bug_is_internal_without_its_exception(channel: grpc.aio.Channel) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call(channel, "GetExecution", pb.GetExecutionRequest(execution_id="bug").SerializeToString())
    assert (grpc.StatusCode.INTERNAL, "internal error; see the server log") == (
        caught.value.code(),
        caught.value.details(),
    )


async def test_an_answer_the_servicer_chose_goes_through(channel: grpc.aio.Channel) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call(channel, "GetExecution", pb.GetExecutionRequest(execution_id="gone").SerializeToString())
    assert grpc.StatusCode.NOT_FOUND == caught.value.code()
