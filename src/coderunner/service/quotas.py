"""Each API key's own limits: submissions per minute and executions at once.

Counted in this process (as the scheduler's slots are): a deployment with several API
servers gives each key its limits on each server.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from coderunner.domain.api_key import ApiKey
from coderunner.errors import QuotaExceeded


@dataclass
class _Usage:
    tokens: float
    refilled_at: float
    in_flight: int = 0


class Quotas:
    """``admit(key)`` reserves one submission of ``key`` or raises ``QuotaExceeded``.

    The rate is a token bucket: ``rate_per_minute`` submissions at once at most, refilled
    evenly over the minute. The concurrency counts admitted executions until ``release``.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._usage: dict[str, _Usage] = {}
        self._lock = threading.Lock()

    def admit(self, key: ApiKey) -> Callable[[], None]:
        """Reserves a place and a token; returns what gives the place back, when the execution
        ends (calling it again does nothing). Raises ``QuotaExceeded`` with ``retry_after_s``."""
        with self._lock:
            now = self._clock()
            usage = self._usage.setdefault(key.id, _Usage(tokens=float(key.rate_per_minute or 0), refilled_at=now))
            if key.max_concurrent is not None and usage.in_flight >= key.max_concurrent:
                raise QuotaExceeded(
                    f"this API key already has {usage.in_flight} executions running or waiting, its limit"
                    f" (max_concurrent {key.max_concurrent}); retry when one has finished"
                )
            if key.rate_per_minute is not None:
                per_second = key.rate_per_minute / 60
                usage.tokens = min(float(key.rate_per_minute), usage.tokens + (now - usage.refilled_at) * per_second)
                usage.refilled_at = now
                if usage.tokens < 1:
                    wait_s = max(1, math.ceil((1 - usage.tokens) / per_second))
                    raise QuotaExceeded(
                        f"this API key is over its rate limit of {key.rate_per_minute} submissions per minute;"
                        f" retry in {wait_s} s",
                        retry_after_s=wait_s,
                    )
                usage.tokens -= 1
            usage.in_flight += 1
        released = threading.Event()

        def release() -> None:
            if released.is_set():
                return
            released.set()
            with self._lock:
                usage.in_flight -= 1

        return release

    def refund(self, key: ApiKey) -> None:
        """Gives back the token of a submission that was admitted but never recorded."""
        if key.rate_per_minute is None:
            return
        with self._lock:
            usage = self._usage.get(key.id)
            if usage is not None:
                usage.tokens = min(float(key.rate_per_minute), usage.tokens + 1)
