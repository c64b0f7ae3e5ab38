"""The harness's report encoder (docker/python/crpy/runtime.py): JSON the judge reads back exactly."""

from __future__ import annotations

import json
from types import ModuleType

import pytest


@pytest.mark.parametrize(
    "value", [None, 0, -12, "", 'quote " back \\ slash', "line\nfeed\ttab\x00\x1f", "é 😀", "\ud800x"]
)
def test_report_values_read_back_as_json(runtime: ModuleType, value: object) -> None:
    assert value == json.loads(runtime._json(value))
