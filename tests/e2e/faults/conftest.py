"""Fault injection against the real server, engine and database (issue 11).

Each test breaks one part under load (a caller leaving, the database or the engine going
away, a signal), and then checks the same three things: every record is final, no
container is left, and the next request is served.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

# running_server.py is one folder up; pytest puts only this folder on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@pytest.fixture
def student() -> str:
    """A student id no other test (or earlier run on the same database) uses."""
    return f"student-{uuid.uuid4().hex[:12]}"
