"""The harness's renderer (docker/python/crpy/plain.py, run inside the sandbox): only real
builtins, by exact type, and nothing the value defines is ever called."""

from __future__ import annotations

import math
from types import ModuleType

import pytest

from coderunner.languages.literals import parse_value, render


@pytest.mark.parametrize(
    "value",
    [
        0,
        -7,
        10**40,
        1.5,
        -0.0,
        1e-300,
        True,
        None,
        "",
        'tab\tquote"back\\slash\nline\x01\x7f é 😀',
        [1, [2.5, "x"]],
        (1, 2),
    ],
)
def test_plain_values_render_as_the_shared_literal_syntax(plain: ModuleType, value: object) -> None:
    text = plain.render(value)

    assert text == render(parse_value(text))  # canonical: the same text the service would write


def test_sets_render_sorted_and_dicts_in_order(plain: ModuleType) -> None:
    assert "[1, 10, 2]" == plain.render({2, 10, 1})
    assert '{"b": 1, "a": [true]}' == plain.render({"b": 1, "a": [True]})


class LyingInt(int):
    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "3"


class LyingList(list[int]):
    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter([3])


class Anything:
    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 0


@pytest.mark.parametrize(
    "value",
    [LyingInt(0), LyingList([0]), Anything(), [Anything()], {Anything()}, math.nan, -math.inf, "\ud800", b"3", 3j],
    ids=[
        "int_subclass",
        "list_subclass",
        "object",
        "nested_object",
        "in_a_set",
        "nan",
        "inf",
        "surrogate",
        "bytes",
        "complex",
    ],
)
def test_anything_else_is_refused(plain: ModuleType, value: object) -> None:
    with pytest.raises(plain.NotPlain):
        plain.render(value)


def test_a_value_that_contains_itself_is_refused(plain: ModuleType) -> None:
    loop: list[object] = []
    loop.append(loop)

    with pytest.raises(plain.NotPlain, match="nested more than"):
        plain.render(loop)


def test_a_type_name_is_shown_without_calling_the_value(plain: ModuleType) -> None:
    with pytest.raises(plain.NotPlain, match=r"an object of type .*Anything"):
        plain.render(Anything())
