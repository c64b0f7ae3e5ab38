"""Test literals (shared syntax plus Python spellings) become Python arguments by type hint."""

from __future__ import annotations

import pytest

from coderunner.errors import TemplateError
from coderunner.languages.literals import Array, Float, Int, Str, parse_arguments, parse_value
from coderunner.languages.python.source import ANY, ELLIPSIS, Hint
from coderunner.languages.python.spellings import shared_syntax
from coderunner.languages.python.values import expected_value, python_arguments


@pytest.mark.parametrize(
    ("python", "shared"),
    [
        ("True, False, None", "true, false, null"),
        ("(1, 2)", "[1, 2]"),
        ("(1,)", "[1]"),
        ("((1, 2), (3,))", "[[1, 2], [3]]"),
        ("'abc'", '"abc"'),
        ("'it\\'s'", '"it\'s"'),
        ("'say \"hi\"'", '"say \\"hi\\""'),
        ('"True (None)"', '"True (None)"'),
        ("[1, 'x']", '[1, "x"]'),
    ],
)
def test_python_spellings_become_the_shared_syntax(python: str, shared: str) -> None:
    assert shared == shared_syntax(python)


@pytest.mark.parametrize(
    ("text", "hints", "python"),
    [
        ("1, 2", (Hint("int"), Hint("int")), (1, 2)),
        ("3", (Hint("float"),), (3.0,)),
        ("[1, 2]", (Hint("list", (Hint("float"),)),), ([1.0, 2.0],)),
        ("[1, 2]", (Hint("tuple"),), ((1, 2),)),
        ("[[1, 2], [3, 4]]", (Hint("list", (Hint("tuple", (Hint("int"), Hint("int"))),)),), ([(1, 2), (3, 4)],)),
        ("[1, 2, 3]", (Hint("tuple", (Hint("float"), ELLIPSIS)),), ((1.0, 2.0, 3.0),)),
        ("[3, 1, 3]", (Hint("set", (Hint("int"),)),), ({1, 3},)),
        ("[]", (Hint("set"),), (set(),)),
        ("'c', \"str\", null, true", (), ("c", "str", None, True)),
        ('"quote \\" and \\\\"', (Hint("str"),), ('quote " and \\',)),
        ("[1, 2], 1.5", (Hint("list"), Hint("int")), ([1, 2], 1.5)),
    ],
)
def test_arguments_become_python_values_by_type_hint(
    text: str, hints: tuple[Hint, ...], python: tuple[object, ...]
) -> None:
    converted = python_arguments(parse_arguments(text), hints)

    assert python == converted
    assert [type(v) for v in python] == [type(v) for v in converted]


def test_expected_values_match_how_returned_values_are_rendered() -> None:
    assert Str("c") == expected_value(parse_value("'c'"), ANY)
    # A set has no order: both sides sort its items by their text.
    assert Array((Int(1), Int(10), Int(2))) == expected_value(parse_value("[10, 2, 1]"), Hint("set"))
    assert Array((Int(10), Int(2))) == expected_value(parse_value("[10, 2]"), Hint("list"))
    assert Float(2.5) == expected_value(parse_value("2.5"), Hint("float"))


def test_maps_and_sets_become_dicts_and_sets_by_hint() -> None:
    """The shared grammar's {k: v} and {a, b} literals reach a Python function as a dict and a set."""
    counts = Hint("dict", (Hint("str"), Hint("float")))
    assert ({"a": 1.0}, {1, 2}, {"k": {3}}) == python_arguments(
        parse_arguments(shared_syntax("{'a': 1}, {1, 2}, {'k': {3}}")), (counts, ANY, ANY)
    )


def test_an_unhashable_dict_key_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="dict key"):
        python_arguments(parse_arguments("{[1]: 2}"), (ANY,))
