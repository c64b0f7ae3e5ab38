"""One comparison rule for every language: numbers within a tolerance, sets and maps in any order."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from literal_strategies import literals

from coderunner.domain.submission import DEFAULT_TOLERANCE, Tolerance
from coderunner.languages.comparison import same_value
from coderunner.languages.literals import Float, Int, Literal, Map, Set, Str, parse_value, render


def same(actual: str, expected: str, tolerance: Tolerance = DEFAULT_TOLERANCE) -> bool:
    return same_value(parse_value(actual), parse_value(expected), tolerance)


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("0.30000000000000004", "0.3"),  # 0.1 + 0.2: double rounding is not a mistake
        ("1e-9", "0"),  # near zero only the absolute part can decide
        ("1.2246467991473532e-16", "0.0"),  # sin(pi)
        ("3.3333333", "3.3333333333333335"),  # a float's 10/3
        ("1000000.5", "1000000"),  # relative: half a unit in a million
        ("2.0", "2"),
        ("-0.0", "0"),
    ],
)
def test_the_default_tolerance_accepts_rounding(actual: str, expected: str) -> None:
    assert same(actual, expected)


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("0.500005", "0.5"),
        ("124.001", "124"),
        ("8.181534", "8.18"),
        ("0.000002", "0"),
        ("2.5", "-2.5"),
    ],
)
def test_the_default_tolerance_rejects_real_differences(actual: str, expected: str) -> None:
    assert not same(actual, expected)


def test_a_per_test_tolerance_widens_or_narrows_the_default() -> None:
    assert same("8.181534", "8.18", Tolerance(absolute=0.01))
    assert not same("8.191534", "8.18", Tolerance(absolute=0.01, relative=0))
    assert same("124.001", "124", Tolerance(relative=1e-5))
    assert not same("0.30000000000000004", "0.3", Tolerance(absolute=0, relative=0))


def test_unset_parts_keep_the_default() -> None:
    """Tolerance(absolute=0) still has the default relative part: 1e6 + 0.5 passes for 1e6."""
    assert same("1000000.5", "1000000", Tolerance(absolute=0))
    assert not same("1e-9", "0", Tolerance(absolute=0))


def test_integers_compare_exactly_whatever_the_tolerance() -> None:
    assert not same("124", "125", Tolerance(absolute=10))
    assert same("9007199254740993", "9007199254740993")
    assert not same("9007199254740993", "9007199254740992")


def test_a_char_equals_a_one_character_string_as_inputs_allow() -> None:
    """A test may write "A" for a char (the C++ plug-in accepts it as input and expected)."""
    assert same("'A'", '"A"')
    assert same("{'a': 1, 'b': 2}", '{"b": 2, "a": 1}')
    assert not same("'A'", '"AB"')


def test_kinds_do_not_mix() -> None:
    assert not same("true", "1")
    assert not same("null", "0")
    assert not same("{}", '{"a": 1}')


def test_arrays_compare_in_order_with_the_tolerance_inside() -> None:
    assert same("[0.30000000000000004, 1]", "[0.3, 1]")
    assert not same("[1, 2]", "[2, 1]")
    assert not same("[1, 2]", "[1, 2, 3]")


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("{3, 1, 2}", "{1, 2, 3}"),
        ("{3, 1, 2}", "[1, 2, 3]"),  # an array written for a set is read as one
        ("[2, 1]", "{1, 2}"),
        ("{}", "[]"),  # {} is the empty set as well as the empty map
        ("{}", "{}"),
        ('{"b", "a"}', '["a", "b"]'),
        ("{[1, 2], [0]}", "[[0], [1, 2]]"),
        ("{0.30000000000000004, 2}", "[2, 0.3]"),
        ("[{2, 1}, {}]", "[[1, 2], []]"),  # nested in an array
    ],
)
def test_sets_compare_in_any_order(actual: str, expected: str) -> None:
    assert same(actual, expected)


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("{1, 2}", "[1, 2, 2]"),
        ("{1, 2}", "{1, 3}"),
        ("{1}", "{}"),
        ("{[1, 2]}", "[[2, 1]]"),  # elements that are arrays keep their order
        ("{1, 2}", "{1: 2}"),
    ],
)
def test_sets_with_other_elements_differ(actual: str, expected: str) -> None:
    assert not same(actual, expected)


def test_maps_compare_by_key_in_any_order() -> None:
    assert same('{"b": 2, "a": 1}', '{"a": 1, "b": 2}')
    assert same('{"a": 0.30000000000000004}', '{"a": 0.3}')
    assert same("{1: {2, 3}}", "{1: [3, 2]}")
    assert not same('{"a": 1, "b": 2}', '{"a": 2, "b": 1}')
    assert not same('{"a": 1}', '{"a": 1, "b": 2}')
    assert not same('{"a": 1}', '{"b": 1}')
    assert not same('{"a": 1}', "[]")


def test_the_default_is_absolute_and_relative_one_millionth() -> None:
    assert Tolerance(absolute=1e-6, relative=1e-6) == DEFAULT_TOLERANCE


@given(literals)
def test_every_literal_equals_itself(literal: Literal) -> None:
    assert same_value(literal, literal)


@given(st.lists(st.integers(min_value=-1000, max_value=1000), unique=True), st.randoms())
def test_a_set_equals_any_permutation_of_its_elements(values: list[int], random: object) -> None:
    shuffled = list(values)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert same_value(Set(tuple(map(Int, values))), parse_value(render(Set(tuple(map(Int, shuffled))))))


@given(
    st.floats(min_value=-1e12, max_value=1e12),
    st.floats(min_value=-1e12, max_value=1e12),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=0, max_value=1),
)
def test_numbers_follow_math_isclose(a: float, b: float, absolute: float, relative: float) -> None:
    expected = math.isclose(a, b, abs_tol=absolute, rel_tol=relative)
    assert expected == same_value(Float(a), Float(b), Tolerance(absolute, relative))


@given(st.dictionaries(st.text(max_size=3), st.integers(), max_size=6))
def test_a_map_equals_itself_in_any_order(pairs: dict[str, int]) -> None:
    forward = Map(tuple((Str(key), Int(value)) for key, value in pairs.items()))
    backward = Map(tuple(reversed(forward.items)))
    assert same_value(parse_value(render(forward)), backward)
