"""Bodies over the limit are refused with 413, and stalled ones with 408, before the application sees them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from coderunner.entrypoints.rest.body_limit import DRAIN_FACTOR, BodyLimit


async def echo_size(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=BodyLimit(echo_size, max_bytes=100)), base_url="http://t"
    )


async def test_a_body_at_the_limit_reaches_the_application_whole() -> None:
    async with client() as http:
        response = await http.post("/", content=b"x" * 100)
    assert (200, "100") == (response.status_code, response.text)


async def test_a_declared_oversized_body_is_refused() -> None:
    async with client() as http:
        response = await http.post("/", content=b"x" * 101)
    assert 413 == response.status_code
    assert "request_too_large" == response.json()["error"]


async def chunks() -> AsyncIterator[bytes]:
    """150 bytes, with no length declared: over the 100-byte limit only when counted."""
    for _ in range(5):
        yield b"x" * 30


async def test_an_undeclared_oversized_stream_is_refused() -> None:
    async with client() as http:
        response = await http.post("/", content=chunks())
    assert 413 == response.status_code


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_bodiless_methods_pass_through(method: str) -> None:
    async with client() as http:
        response = await http.request(method, "/")
    assert 200 == response.status_code


async def test_a_counted_oversized_body_keeps_the_connection_so_the_server_drains_it() -> None:
    """Closing with unread bytes would make the kernel reset the connection before the client reads the 413."""
    async with client() as http:
        response = await http.post("/", content=chunks())
    assert 413 == response.status_code
    assert "connection" not in response.headers


async def test_a_declared_length_far_over_the_limit_is_answered_and_closed() -> None:
    sent: list[Message] = []

    async def receive() -> Message:
        raise AssertionError("the body is not read")

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "headers": [(b"content-length", str(100 * DRAIN_FACTOR + 1).encode())]}
    await BodyLimit(echo_size, max_bytes=100)(scope, receive, send)
    assert 413 == sent[0]["status"]
    assert (b"connection", b"close") in sent[0]["headers"]


async def stalled_upload(limit: BodyLimit) -> list[Message]:
    """Runs ``limit`` on a request whose body stops after one chunk; returns what was sent."""
    sent: list[Message] = []
    chunks = [{"type": "http.request", "body": b"{", "more_body": True}]

    async def receive() -> Message:
        if chunks:
            return chunks.pop()
        await asyncio.Event().wait()  # the rest never comes
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    await limit({"type": "http", "method": "POST", "headers": []}, receive, send)
    return sent


async def test_a_body_that_stops_arriving_is_408_and_closed() -> None:
    sent = await stalled_upload(BodyLimit(echo_size, max_bytes=100, read_timeout_s=0.05))
    assert 408 == sent[0]["status"]
    assert (b"connection", b"close") in sent[0]["headers"]
    assert b"request_timeout" in sent[1]["body"]


async def test_a_body_still_arriving_when_the_server_stops_is_503() -> None:
    stopping = asyncio.Event()
    limit = BodyLimit(echo_size, max_bytes=100, read_timeout_s=300, stopping=stopping)
    upload = asyncio.create_task(stalled_upload(limit))
    await asyncio.sleep(0.01)
    stopping.set()
    sent = await asyncio.wait_for(upload, 5)
    assert 503 == sent[0]["status"]
    assert b"shutting down" in sent[1]["body"]
