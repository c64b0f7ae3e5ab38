"""The settings of execution events and webhooks (a part of ``Settings``; README: "Events and webhooks")."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode

from coderunner.domain.callback import CallbackPolicy, parse_callback_url
from coderunner.domain.delivery import Backoff
from coderunner.domain.events import DEFAULT_STREAM
from coderunner.errors import InvalidSubmission


class DeliverySettings(BaseSettings):
    """Where events go, and how webhooks are signed, allowed and retried (``Settings`` derives from this)."""

    # Events: a Redis stream (XADD) and/or an HTTP endpoint (POST); neither set: no events.
    events_redis_url: str | None = None
    events_stream: str = Field(DEFAULT_STREAM, min_length=1)
    events_stream_maxlen: int = Field(100_000, ge=0)  # about this many entries kept (MAXLEN ~); 0: all
    events_http_url: str | None = None
    # Webhooks: off until a secret is set (whsec_ + base64 of at least 24 random bytes; checked at
    # start-up by bootstrap, so that no validation error ever prints it).
    webhook_secret: SecretStr | None = None
    # Hosts (hooks.example.com, *.example.com) and CIDRs (10.0.0.0/8, 127.0.0.1) callbacks may reach;
    # the environment's spelling is comma-separated.
    webhook_allowed: Annotated[list[str], NoDecode] = Field(default_factory=list)
    webhook_timeout_s: float = Field(10.0, gt=0, le=300)
    webhook_retry_for_s: float = Field(24 * 3600.0, gt=0)  # a webhook is abandoned after this long
    # Backoff of both: the first retry after delivery_first_retry_s, doubling up to delivery_max_retry_s.
    delivery_first_retry_s: float = Field(1.0, gt=0, le=3600)
    delivery_max_retry_s: float = Field(300.0, gt=0, le=86_400)

    @field_validator("webhook_allowed", mode="before")
    @classmethod
    def _split_allowed(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("webhook_allowed")
    @classmethod
    def _parse_allowed(cls, value: list[str]) -> list[str]:
        CallbackPolicy.parse(value)  # ValueError names the bad entry
        return value

    @field_validator("events_http_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value:
            try:
                parse_callback_url(value)
            except InvalidSubmission as exc:
                raise ValueError(exc.problem) from None
        return value or None

    def callback_policy(self) -> CallbackPolicy | None:
        """The allow-list of callback URLs, or None when webhooks are off (no secret)."""
        return CallbackPolicy.parse(self.webhook_allowed) if self.webhook_secret else None

    def event_backoff(self) -> Backoff:
        return Backoff(self.delivery_first_retry_s, self.delivery_max_retry_s)

    def webhook_backoff(self) -> Backoff:
        return Backoff(self.delivery_first_retry_s, self.delivery_max_retry_s, self.webhook_retry_for_s)
