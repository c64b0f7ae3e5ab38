"""What every broker test shares: a Redis server of the module's own, which a test may
stop, kill or flush without touching the suite's."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/, for private_redis

from private_redis import PrivateRedis


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    server = PrivateRedis()
    server.start()
    yield server.url
    server.destroy()
