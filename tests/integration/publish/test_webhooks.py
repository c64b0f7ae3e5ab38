"""The webhook sender against a real HTTP receiver: signed as Standard Webhooks says, never
redirected, and never connecting where the operator's allow-list does not reach."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from http_receiver import HttpReceiver
from standardwebhooks.webhooks import Webhook

from coderunner.domain.callback import CallbackPolicy
from coderunner.errors import DeliveryFailed
from coderunner.publish.webhooks import HttpWebhookSender

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
LOOPBACK = CallbackPolicy.parse(["127.0.0.1/32"])
BODY = json.dumps({"id": "e-1", "verdict": "accepted"}).encode()


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    running = HttpReceiver().start()
    yield running
    running.stop()


def fixed(*addresses: str):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


async def test_a_delivery_is_signed_so_that_the_standard_webhooks_library_verifies_it(receiver: HttpReceiver) -> None:
    sender = HttpWebhookSender(SECRET, LOOPBACK)
    try:
        await sender.send(f"{receiver.url}/hooks/done?x=1", "delivery-1", BODY)
    finally:
        await sender.close()
    (request,) = receiver.wait_for(1)
    assert ("/hooks/done?x=1", BODY, "delivery-1") == (request.path, request.body, request.headers["webhook-id"])
    # An independent implementation of the scheme accepts it (and raises if it did not).
    assert {"id": "e-1", "verdict": "accepted"} == Webhook(SECRET).verify(request.body, request.headers)
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(SECRET).verify(request.body + b" ", request.headers)


async def test_the_connection_goes_to_the_address_that_was_checked(receiver: HttpReceiver) -> None:
    """DNS is asked once; the request goes to that checked address and names the host in Host."""
    sender = HttpWebhookSender(
        SECRET, CallbackPolicy.parse(["hooks.example.test", "127.0.0.1/32"]), resolve=fixed("127.0.0.1")
    )
    try:
        await sender.send(f"http://hooks.example.test:{receiver.port}/done", "d-2", BODY)
    finally:
        await sender.close()
    assert f"hooks.example.test:{receiver.port}" == receiver.wait_for(1)[0].headers["host"]


@pytest.mark.parametrize(
    ("allowed", "url_host", "addresses", "reason"),
    [
        ([], "127.0.0.1", (), "loopback"),  # loopback by default
        ([], "hooks.example.test", ("127.0.0.1",), "loopback"),  # a name that resolves to loopback
        ([], "hooks.example.test", ("8.8.8.8", "10.0.0.7"), "private"),  # one bad address among good ones
        ([], "hooks.example.test", ("169.254.169.254",), "link-local"),  # the cloud metadata address
        (["127.0.0.1/32"], "hooks.example.test", ("127.0.0.1",), "not in the allow-list"),  # names must be listed
        (["hooks.example.test"], "hooks.example.test", ("127.0.0.1",), "loopback"),  # a listed name, unlisted address
    ],
)
async def test_disallowed_destinations_are_refused_for_good_without_a_connection(
    receiver: HttpReceiver, allowed: list[str], url_host: str, addresses: tuple[str, ...], reason: str
) -> None:
    sender = HttpWebhookSender(SECRET, CallbackPolicy.parse(allowed), resolve=fixed(*addresses))
    try:
        with pytest.raises(DeliveryFailed, match=reason) as refused:
            await sender.send(f"http://{url_host}:{receiver.port}/done", "d-3", BODY)
    finally:
        await sender.close()
    assert refused.value.permanent
    assert [] == receiver.requests


async def test_a_redirect_is_not_followed_and_not_retried() -> None:
    target = HttpReceiver().start()
    redirecting = HttpReceiver(answers=[307], redirect_to=f"{target.url}/elsewhere").start()
    sender = HttpWebhookSender(SECRET, LOOPBACK)
    try:
        with pytest.raises(DeliveryFailed, match="redirects are never followed") as refused:
            await sender.send(f"{redirecting.url}/done", "d-4", BODY)
    finally:
        await sender.close()
        redirecting.stop()
        target.stop()
    assert refused.value.permanent
    assert (1, []) == (len(redirecting.requests), target.requests)


async def test_an_error_answer_or_no_answer_is_retried() -> None:
    failing = HttpReceiver(answers=[503]).start()
    sender = HttpWebhookSender(SECRET, LOOPBACK)
    try:
        with pytest.raises(DeliveryFailed, match="answered 503") as answered:
            await sender.send(f"{failing.url}/done", "d-5", BODY)
        failing.stop()
        with pytest.raises(DeliveryFailed, match="ConnectError") as unreachable:
            await sender.send(f"{failing.url}/done", "d-5", BODY)
    finally:
        await sender.close()
        failing.stop()
    assert (False, False) == (answered.value.permanent, unreachable.value.permanent)
