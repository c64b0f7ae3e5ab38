"""Names shared by API nodes and workers, the Redis seam, and the workers' advertisements.

Each language has its own queue (``coderunner.<language>``): a worker consumes only the
queues of the languages whose images it has, so an evaluation only reaches a worker that
can run it. Workers advertise themselves in one Redis hash (instance → languages, slots,
last heartbeat); an API node refuses a language no live worker takes (503) rather than
queueing work nobody will ever pick up.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import redis

from coderunner.errors import BrokerUnavailable

NAMESPACE = "coderunner"
ACTOR_NAME = "coderunner.evaluate"
FINISHED_CHANNEL = f"{NAMESPACE}:finished"
WORKERS_KEY = f"{NAMESPACE}:workers"
ATTEMPTS_TTL_S = 7 * 24 * 3600
DRAMATIQ_NAMESPACE = f"{NAMESPACE}-dramatiq"  # the prefix of Dramatiq's own keys


def queue_name(language: str) -> str:
    """The Dramatiq queue of ``language``'s evaluations.

    >>> queue_name("cpp")
    'coderunner.cpp'
    """
    return f"{NAMESPACE}.{language}"


def messages_key(language: str) -> str:
    """The Redis hash where Dramatiq keeps ``language``'s messages, queued or unacknowledged, by id."""
    return f"{DRAMATIQ_NAMESPACE}:{queue_name(language)}.msgs"


def attempts_key(execution_id: str) -> str:
    return f"{NAMESPACE}:attempts:{execution_id}"


@contextlib.contextmanager
def map_redis_errors(action: str) -> Iterator[None]:
    """Turns any Redis or socket error into ``BrokerUnavailable`` naming ``action``."""
    try:
        yield
    except (redis.RedisError, OSError) as exc:
        raise BrokerUnavailable(f"the broker failed to {action}: {exc}") from exc


def client_for(url: str) -> redis.Redis:
    """A synchronous client whose calls fail within seconds when the broker is away."""
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=10)


@dataclass(frozen=True)
class WorkerAd:
    """What one worker tells the cluster about itself."""

    instance: str
    languages: tuple[str, ...]
    slots: int
    seen_at: float  # time.time() of its last heartbeat
    runtime_versions: dict[str, str] = field(default_factory=dict)  # language → its image's runtime_version


def advertise(client: redis.Redis, ad: WorkerAd) -> None:
    payload = {
        "languages": list(ad.languages),
        "slots": ad.slots,
        "seen_at": ad.seen_at,
        "runtime_versions": ad.runtime_versions,
    }
    with map_redis_errors("advertise this worker"):
        client.hset(WORKERS_KEY, ad.instance, json.dumps(payload))


def withdraw(client: redis.Redis, instance: str) -> None:
    with map_redis_errors("withdraw this worker"):
        client.hdel(WORKERS_KEY, instance)


def live_workers(client: redis.Redis, heartbeat_timeout_s: float) -> list[WorkerAd]:
    """Workers heard from within ``heartbeat_timeout_s``, by instance name."""
    with map_redis_errors("list the workers"):
        entries: dict[bytes, bytes] = client.hgetall(WORKERS_KEY)  # type: ignore[assignment]
    now, ads = time.time(), []
    for instance, raw in sorted(entries.items()):
        payload = json.loads(raw)
        ad = WorkerAd(
            instance.decode(),
            tuple(payload["languages"]),
            int(payload["slots"]),
            float(payload["seen_at"]),
            dict(payload.get("runtime_versions", {})),
        )
        if now - ad.seen_at <= heartbeat_timeout_s:
            ads.append(ad)
    return ads


def describe_workers(ads: list[WorkerAd]) -> str:
    """``w1 (cpp, python; 2 slots), w2 (cpp; 1 slot)``, or ``none``."""
    if not ads:
        return "none"
    return ", ".join(
        f"{ad.instance} ({', '.join(ad.languages)}; {ad.slots} slot{'s' if ad.slots != 1 else ''})" for ad in ads
    )
