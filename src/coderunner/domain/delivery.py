"""What the delivery outbox owes: one message per finished execution and destination.

A final state is stored together with one ``Delivery`` per configured event sink (and one
for the webhook when the submission has a ``callback_url``), in the same transaction; a
dispatcher then delivers each at least once, retrying with exponential backoff. The message
itself (the event, or the execution's JSON) is rendered from the stored record when it is
sent, so a delivery row holds no copy of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

WEBHOOK = "webhook"  # the sink name of webhooks; event sinks are named by their adapter ("redis", "http")


class DeliveryState(StrEnum):
    PENDING = "pending"  # not delivered yet: due at next_attempt_at
    DELIVERED = "delivered"
    ABANDONED = "abandoned"  # refused for good (a redirect, a disallowed address) or out of retry time


@dataclass(frozen=True)
class Delivery:
    """One message owed. ``id`` is stable across attempts (receivers dedupe on it: ``webhook-id``)."""

    id: str
    execution_id: str
    sink: str
    attempts: int  # attempts begun, this one included
    created_at: datetime


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: ``first_s``, doubling, at most ``max_s``; ``give_up_after_s`` bounds the
    total time from the delivery's creation (None: retry forever).

    >>> Backoff(1, 60).delay(attempts=3)
    datetime.timedelta(seconds=4)
    """

    first_s: float
    max_s: float
    give_up_after_s: float | None = None

    def delay(self, attempts: int) -> timedelta:
        """How long to wait after the ``attempts``-th failed attempt."""
        return timedelta(seconds=min(self.max_s, self.first_s * 2 ** max(0, attempts - 1)))

    def next_attempt(self, delivery: Delivery, now: datetime) -> datetime | None:
        """When to try ``delivery`` again after a failure at ``now``; None when its time is up."""
        at = now + self.delay(delivery.attempts)
        if self.give_up_after_s is not None and at > delivery.created_at + timedelta(seconds=self.give_up_after_s):
            return None
        return at
