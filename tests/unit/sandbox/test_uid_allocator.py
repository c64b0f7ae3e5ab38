"""UidAllocator: each live sandbox gets its own builder/runner UID pair."""

from __future__ import annotations

import pytest

from coderunner.errors import SandboxFailure
from coderunner.sandbox.hardening import SandboxUsers
from coderunner.sandbox.users import UidAllocator


def test_live_sandboxes_get_distinct_pairs_above_the_base() -> None:
    allocator = UidAllocator(700_000, 3)

    pairs = [allocator.acquire() for _ in range(3)]

    assert [SandboxUsers(700_000, 700_001), SandboxUsers(700_002, 700_003), SandboxUsers(700_004, 700_005)] == pairs


def test_a_released_pair_is_reused_last() -> None:
    allocator = UidAllocator(700_000, 2)
    first = allocator.acquire()
    allocator.release(first)

    assert [SandboxUsers(700_002, 700_003), first] == [allocator.acquire(), allocator.acquire()]


def test_running_out_of_pairs_is_a_sandbox_failure() -> None:
    allocator = UidAllocator(700_000, 1)
    allocator.acquire()

    with pytest.raises(SandboxFailure, match="all 1 sandbox UID pairs are in use"):
        allocator.acquire()
