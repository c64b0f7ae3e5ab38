"""The event sinks against the real thing: a Redis server's stream, an HTTP endpoint."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
import redis
from http_receiver import HttpReceiver
from private_redis import PrivateRedis

from coderunner.errors import DeliveryFailed
from coderunner.publish.http_sink import HttpEventSink
from coderunner.publish.redis_stream import RedisStreamSink

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

EVENT = {"execution_id": "e-1", "success": True, "test_results": [{"test_id": "t1", "passed": True}], "note": "ñ"}


@pytest.fixture
def stream(redis_url: str) -> Iterator[str]:
    name = f"test.analytics.{uuid.uuid4().hex[:10]}"
    yield name
    redis.Redis.from_url(redis_url).delete(name)


async def test_an_event_is_one_stream_entry_keyed_by_execution_id(redis_url: str, stream: str) -> None:
    sink = RedisStreamSink(redis_url, stream, maxlen=1000)
    try:
        await sink.publish("e-1", EVENT)
        await sink.publish("e-2", {**EVENT, "execution_id": "e-2"})
    finally:
        await sink.close()
    entries = redis.Redis.from_url(redis_url, decode_responses=True).xrange(stream)
    assert ["e-1", "e-2"] == [fields["execution_id"] for _, fields in entries]
    assert EVENT == json.loads(entries[0][1]["event"])


async def test_an_unreachable_redis_is_a_delivery_failure() -> None:
    broker = PrivateRedis()
    broker.start()
    sink = RedisStreamSink(broker.url, "s", timeout_s=2)
    try:
        await sink.publish("e-1", EVENT)
        broker.kill()
        with pytest.raises(DeliveryFailed, match="redis stream 's'") as failed:
            await sink.publish("e-2", EVENT)
        assert not failed.value.permanent
    finally:
        await sink.close()
        broker.destroy()


async def test_the_http_sink_posts_the_event_as_json() -> None:
    endpoint = HttpReceiver(answers=[204, 500, 302]).start()
    sink = HttpEventSink(f"{endpoint.url}/events")
    try:
        await sink.publish("e-1", EVENT)
        with pytest.raises(DeliveryFailed, match="answered 500"):
            await sink.publish("e-1", EVENT)
        with pytest.raises(DeliveryFailed, match="answered 302"):
            await sink.publish("e-1", EVENT)
    finally:
        await sink.close()
        endpoint.stop()
    first = endpoint.requests[0]
    assert ("/events", EVENT, "application/json") == (first.path, json.loads(first.body), first.headers["content-type"])
    assert 3 == len(endpoint.requests)  # the redirect was not followed
