"""Waking idle workers the moment work is queued, instead of their polling Redis.

Dramatiq's Redis consumer has no blocking fetch: an idle one polls, backing off up to the
worker timeout, and that backoff is what a new evaluation waits before any worker sees
it. So whoever queues (an API node, the stranded sweep) also publishes the queue's name on
``QUEUED_CHANNEL``; each worker holds one subscription (``Wakeups``) and an event per
queue. ``WakeableRedisBroker.do_fetch``, the Dramatiq command an idle consumer polls with,
fetches and, while nothing comes, waits on its queue's event before fetching again:

* at most ``SAFETY_POLL_S`` per wait, so an announcement lost (Redis restarting; pub/sub
  keeps nothing) delays a message by that much at worst, and every (re)subscription wakes
  every queue;
* returning empty after ``FETCH_WAIT_S`` at most, so that Dramatiq's consumer thread still
  checks, as often as before, whether it must stop.

The messages themselves only ever go through Dramatiq's own commands; the channel is a hint.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import redis
import structlog
from dramatiq.brokers.redis import RedisBroker

from coderunner.broker.links import NAMESPACE, map_redis_errors

log = structlog.get_logger("coderunner.broker")

QUEUED_CHANNEL = f"{NAMESPACE}:queued"
SAFETY_POLL_S = 0.25
FETCH_WAIT_S = 1.0
RECONNECT_S = 1.0


def announce_queued(client: redis.Redis, queue_name: str) -> None:
    """Wakes the workers idle on ``queue_name`` (raises ``BrokerUnavailable``)."""
    with map_redis_errors(f"announce work on {queue_name}"):
        client.publish(QUEUED_CHANNEL, queue_name)


class Wakeups:
    """One subscription to ``QUEUED_CHANNEL`` (a daemon thread) and an event per queue."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="coderunner-wakeups", daemon=True)

    def event(self, queue_name: str) -> threading.Event:
        with self._lock:
            return self._events.setdefault(queue_name, threading.Event())

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ends the subscription and wakes every waiting fetch (it then returns at once)."""
        self.stopping.set()
        self._wake_all()
        self._thread.join(timeout=5)

    def _wake_all(self) -> None:
        with self._lock:
            events = list(self._events.values())
        for event in events:
            event.set()

    def _listen(self) -> None:
        while not self.stopping.is_set():
            client = redis.Redis.from_url(self._url, socket_connect_timeout=5)
            try:
                with client.pubsub() as pubsub:  # type: ignore[no-untyped-call]
                    pubsub.subscribe(QUEUED_CHANNEL)
                    while not self.stopping.is_set():
                        message = pubsub.get_message(timeout=0.5)
                        if message is None:
                            continue
                        if message["type"] == "subscribe":
                            self._wake_all()  # what was announced while unsubscribed is lost
                        elif message["type"] == "message":
                            self.event(message["data"].decode()).set()
            except (redis.RedisError, OSError) as exc:
                log.warning("wakeups.disconnected", error=str(exc), retry_in_s=RECONNECT_S)
                self.stopping.wait(RECONNECT_S)
            finally:
                client.close()


class WakeableRedisBroker(RedisBroker):
    """Dramatiq's Redis broker whose idle fetches wait for a wake-up instead of returning empty."""

    def __init__(self, *, wakeups: Wakeups, **options: Any) -> None:
        super().__init__(**options)  # type: ignore[no-untyped-call]
        self._wakeups = wakeups

    def do_fetch(self, queue_name: str, prefetch: int) -> list[bytes]:
        fetch = RedisBroker.__getattr__(self, "do_fetch")  # type: ignore[no-untyped-call]  # Dramatiq's own
        wake = self._wakeups.event(queue_name)
        deadline = time.monotonic() + FETCH_WAIT_S
        while True:
            wake.clear()  # before fetching: a message queued after the fetch sets it again
            messages: list[bytes] = fetch(queue_name, prefetch)
            if messages or self._wakeups.stopping.is_set() or time.monotonic() >= deadline:
                return messages
            wake.wait(SAFETY_POLL_S)
