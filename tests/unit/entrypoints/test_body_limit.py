"""Bodies over the limit are refused with 413 before the application sees them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from coderunner.entrypoints.rest.body_limit import BodyLimit


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


async def test_an_undeclared_oversized_stream_is_refused() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"x" * 30

    async with client() as http:
        response = await http.post("/", content=chunks())
    assert 413 == response.status_code


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_bodiless_methods_pass_through(method: str) -> None:
    async with client() as http:
        response = await http.request(method, "/")
    assert 200 == response.status_code
