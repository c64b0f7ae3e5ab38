"""API keys: who may call, what each one sees, and how much each may run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coderunner.errors import InvalidSubmission

# Enough for any real quota; more is surely a typo.
MAX_RATE_PER_MINUTE = 1_000_000
MAX_CONCURRENT = 10_000
MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class ApiKey:
    """One API key as stored (its secret is never kept, only a hash of it).

    ``rate_per_minute``: submissions it may make per minute (a burst of that many, refilled
    evenly); ``max_concurrent``: its executions pending or running at once. None: no limit.
    """

    id: str
    name: str
    created_at: datetime
    rate_per_minute: int | None = None
    max_concurrent: int | None = None
    revoked_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > MAX_NAME_CHARS:
            raise InvalidSubmission("name", f"must be 1 to {MAX_NAME_CHARS} characters, not only spaces")
        for field, value, most in (
            ("rate_per_minute", self.rate_per_minute, MAX_RATE_PER_MINUTE),
            ("max_concurrent", self.max_concurrent, MAX_CONCURRENT),
        ):
            if value is not None and not 1 <= value <= most:
                raise InvalidSubmission(field, f"must be between 1 and {most} (leave it out for no limit), not {value}")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
