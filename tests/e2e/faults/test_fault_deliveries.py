"""kill -9 between grading and publishing loses no event and no webhook: the outbox in the
database delivers them after the restart.

The sink is made unreachable first (a private Redis stopped, the webhook receiver down), so
that the server grades, answers, and can only keep retrying when it is killed.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from http_receiver import HttpReceiver
from private_redis import PrivateRedis
from running_server import RunningServer, wait_until
from settled import body, stop_if_running
from standardwebhooks.webhooks import Webhook

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()
STREAM = "execution.analytics"


@pytest.fixture
def broker() -> Iterator[PrivateRedis]:
    running = PrivateRedis()
    running.start()
    yield running
    running.destroy()


def test_kill_9_between_grading_and_publishing_still_delivers_after_the_restart(
    tmp_path: Path, docker_client: object, broker: PrivateRedis, student: str
) -> None:
    receiver = HttpReceiver()  # not started: the webhook's receiver is down too
    server = RunningServer(
        tmp_path / "server",
        f"sqlite:///{tmp_path / 'coderunner.db'}",
        events_redis_url=broker.url,
        webhook_secret=SECRET,
        webhook_allowed="127.0.0.1/32",
        delivery_first_retry_s=0.2,
        delivery_max_retry_s=1,
    ).start()
    try:
        # Given the event sink and the webhook receiver are unreachable
        broker.stop()
        # When an execution is graded, and answered
        answer = httpx.post(
            f"{server.http_url}/v1/executions", json=body(student, callback_url=f"{receiver.url}/hook"), timeout=180
        )
        assert 200 == answer.status_code, answer.text
        execution_id = answer.json()["id"]
        # and the server has tried to publish and failed, then dies without any clean-up
        wait_until(lambda: server.log_tail(400).count("delivery.failed") >= 2, 60, "failed deliveries in the log")
        server.kill()
        # Then, with the sink and the receiver back, the restarted server delivers both
        broker.start()
        receiver.start()
        server.start()
        entries = wait_until(
            lambda: redis.Redis.from_url(broker.url, decode_responses=True).xrange(STREAM) or None, 60, "the event"
        )
        (hook,) = receiver.wait_for(1)
    finally:
        stop_if_running(server)
        receiver.stop()
    assert [execution_id] == [fields["execution_id"] for _, fields in entries]
    assert "completed" == json.loads(entries[0][1]["event"])["status"]
    assert execution_id == Webhook(SECRET).verify(hook.body, hook.headers)["id"]
