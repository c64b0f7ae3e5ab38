"""The REST app's small ASGI middlewares, each on its own: empty query parameters, cancelled requests."""

from __future__ import annotations

import asyncio

from starlette.types import Message, Receive, Scope, Send

from coderunner.entrypoints.rest.query import EmptyQueryParams
from coderunner.entrypoints.rest.shutdown import AnswerWhenCancelled


async def test_empty_query_parameters_are_dropped_before_routing() -> None:
    seen: list[bytes] = []

    async def app(scope: Scope, _receive: Receive, _send: Send) -> None:
        seen.append(scope["query_string"])

    scope = {"type": "http", "query_string": b"student_id=&status=&limit=5&flag&offset="}
    await EmptyQueryParams(app)(scope, _never, _discard)
    assert [b"limit=5"] == seen


async def test_a_request_cancelled_before_answering_gets_the_documented_503() -> None:
    sent: list[Message] = []
    waiting = asyncio.Event()

    async def app(_scope: Scope, _receive: Receive, _send: Send) -> None:
        waiting.set()
        await asyncio.Event().wait()

    async def send(message: Message) -> None:
        sent.append(message)

    request = asyncio.create_task(AnswerWhenCancelled(app)({"type": "http"}, _never, send))
    await waiting.wait()
    request.cancel()
    await asyncio.gather(request, return_exceptions=True)
    assert request.cancelled()  # the cancellation goes on, the answer went first
    assert 503 == sent[0]["status"]
    assert (b"content-type", b"application/problem+json") in sent[0]["headers"]
    assert b"shutting down" in sent[1]["body"]


async def test_a_request_cancelled_after_answering_is_left_alone() -> None:
    sent: list[Message] = []
    answered = asyncio.Event()

    async def app(_scope: Scope, _receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        answered.set()
        await asyncio.Event().wait()

    async def send(message: Message) -> None:
        sent.append(message)

    request = asyncio.create_task(AnswerWhenCancelled(app)({"type": "http"}, _never, send))
    await answered.wait()
    request.cancel()
    await asyncio.gather(request, return_exceptions=True)
    assert [200] == [message["status"] for message in sent]


async def _never() -> Message:
    raise AssertionError("not read")


async def _discard(_message: Message) -> None:
    return None
