"""Fixtures every end-to-end module shares; each module starts its own ``server``
(``RunningServer(...).serving()``) with the settings it tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from running_server import RunningServer


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    """A REST client of the module's server."""
    with httpx.Client(base_url=server.http_url, timeout=120) as client:
        yield client
