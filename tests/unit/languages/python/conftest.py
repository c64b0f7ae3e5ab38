"""The Python harness's modules (docker/python/crpy/, which run inside the sandbox), imported
here so that their pure parts are tested on the host."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

HARNESS = Path(__file__).parents[4] / "docker" / "python"


def harness_module(name: str) -> Iterator[ModuleType]:
    """``crpy.<name>``, with the harness on ``sys.path`` while the fixture lives."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(HARNESS))
        yield importlib.import_module(f"crpy.{name}")


@pytest.fixture(scope="module")
def plain() -> Iterator[ModuleType]:
    yield from harness_module("plain")


@pytest.fixture(scope="module")
def runtime() -> Iterator[ModuleType]:
    yield from harness_module("runtime")


@pytest.fixture(scope="module")
def asserts() -> Iterator[ModuleType]:
    yield from harness_module("asserts")
