"""The broker adapter on a real Redis of the test's own: what a worker's fetch and the sweep rely on."""

from __future__ import annotations

import asyncio

import dramatiq
import pytest
import redis
from broker_executions import an_execution

from coderunner.broker.links import queue_name
from coderunner.broker.wakeup import Wakeups, announce_queued
from coderunner.broker.work_queue import RedisWorkQueue, make_broker

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def test_an_announcement_wakes_its_queue_and_a_subscription_wakes_every_queue(url: str) -> None:
    wakeups = Wakeups(url)
    waiting = wakeups.event("coderunner.python")
    wakeups.start()
    try:
        # The subscription's confirmation wakes every queue (announcements may have been missed)
        assert waiting.wait(10)
        waiting.clear()
        # and an announcement wakes the queue it names
        announce_queued(redis.Redis.from_url(url), "coderunner.python")
        assert waiting.wait(10)
    finally:
        wakeups.stop()


def test_a_queued_execution_is_held_until_fetched_and_acknowledged(url: str) -> None:
    # Given an execution queued (by the sweep: no live worker needed), and one never queued
    queue = RedisWorkQueue(url, heartbeat_timeout_s=15)
    queued, never = an_execution(), an_execution()
    asyncio.run(queue.requeue(queued))
    # Then the broker holds the first only
    assert {queued.id} == asyncio.run(queue.held([queued, never]))
    # When a worker's broker fetches it (waking on its announcement), it is still held until acknowledged
    wakeups = Wakeups(url)
    wakeups.start()
    broker = make_broker(url, 15, wakeups)
    try:
        [data] = broker.do_fetch(queue_name("python"), 1)
        message = dramatiq.Message.decode(data)
        assert [queued.id] == list(message.args)
        assert {queued.id} == asyncio.run(queue.held([queued]))
        broker.do_ack(queue_name("python"), message.options["redis_message_id"])
        assert set() == asyncio.run(queue.held([queued]))
    finally:
        wakeups.stop()
        broker.client.close()
        queue.close()
