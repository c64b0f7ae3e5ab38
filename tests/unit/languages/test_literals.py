"""Test literals parse into a Literal tree; anything else is a TemplateError."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from literal_strategies import literals

from coderunner.domain.submission import TestCase
from coderunner.errors import TemplateError
from coderunner.languages.literals import (
    MAX_DEPTH,
    Array,
    Bool,
    Char,
    Float,
    Int,
    Literal,
    Map,
    Null,
    Set,
    Str,
    parse_arguments,
    parse_test,
    parse_value,
    render,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", Int(42)),
        ("-7", Int(-7)),
        ("007", Int(7)),
        ("3.5", Float(3.5)),
        ("-1e-9", Float(-1e-9)),
        ("2E+3", Float(2000.0)),
        (".5", Float(0.5)),
        ("5.", Float(5.0)),
        ("true", Bool(True)),
        ("false", Bool(False)),
        ("null", Null()),
        ("nullptr", Null()),
        ('"a\\"b\\\\c\\n\\t\\u00e9\\x41"', Str('a"b\\c\n\té' + "A")),
        ('"\\ud83d\\ude00"', Str("\U0001f600")),
        ("'x'", Char("x")),
        ("'\\''", Char("'")),
        ("[]", Array(())),
        ("[1, [2, [3, []]]]", Array((Int(1), Array((Int(2), Array((Int(3), Array(())))))))),
        (" [ \"a\" , 'b' ] ", Array((Str("a"), Char("b")))),
        ("{}", Map(())),
        (' { "a" : 1 , "b": [2] } ', Map(((Str("a"), Int(1)), (Str("b"), Array((Int(2),)))))),
        ("{1: {}}", Map(((Int(1), Map(())),))),
        ("{3, 1, 2}", Set((Int(3), Int(1), Int(2)))),
        ("[{1}, {'a': 'b'}]", Array((Set((Int(1),)), Map(((Char("a"), Char("b")),))))),
    ],
)
def test_values_parse(text: str, value: Literal) -> None:
    assert value == parse_value(text)


def test_arguments_are_comma_separated_literals() -> None:
    assert (Array((Int(2), Int(7))), Int(9)) == parse_arguments("[2, 7], 9")


def test_blank_input_is_no_arguments() -> None:
    assert () == parse_arguments("  \n ")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("[1, 2", "',' or ']'"),
        ("[1,]", "expected a number"),
        ('"abc', "unterminated string"),
        ("'ab'", "exactly one character"),
        ("12abc", "run into letters"),
        ("tru", "expected a number"),
        ('"\\q"', "unknown escape"),
        ('"\\x4"', "2 hex digits"),
        ('"\\ud83d"', "surrogate"),
        ("1 2", "after the value"),
        ("1" * 70, "too long"),
        ("1e999", "too large"),
        ("{1: 2, 3}", "expected ':' after the map key"),
        ("{1, 2: 3}", "',' or '}' in the set"),
        ('{"a": 1, "a": 2}', '"a" appears twice in the map'),
        ("{1, 2, 1}", "1 appears twice in the set"),
        ("{1: }", "an [array], a {map} or a {set}"),
        ("{1", "',' or '}' in the set"),
        ("{,}", "expected a number"),
    ],
)
def test_malformed_values_are_template_errors(text: str, fragment: str) -> None:
    with pytest.raises(TemplateError) as caught:
        parse_value(text)
    assert fragment in caught.value.problem


def test_a_trailing_comma_between_arguments_is_an_error() -> None:
    with pytest.raises(TemplateError, match="expected a literal"):
        parse_arguments("1, 2,")


def test_nesting_beyond_the_limit_is_an_error_not_a_crash() -> None:
    with pytest.raises(TemplateError, match="nested more than"):
        parse_value("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(TemplateError, match="nested more than"):
        parse_value("{1: " * (MAX_DEPTH + 1) + "}" * (MAX_DEPTH + 1))


def test_nesting_up_to_the_limit_parses() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert text == render(parse_value(text))


@given(literals)
def test_rendered_literals_parse_back_to_themselves(literal: Literal) -> None:
    assert literal == parse_value(render(literal))


@given(st.lists(literals, max_size=4))
def test_rendered_argument_lists_parse_back(arguments: list[Literal]) -> None:
    assert tuple(arguments) == parse_arguments(", ".join(render(a) for a in arguments))


@given(st.text())
def test_arbitrary_text_parses_or_raises_template_error(text: str) -> None:
    with contextlib.suppress(TemplateError):
        parse_arguments(text)
    with contextlib.suppress(TemplateError):
        parse_value(text)


@given(st.text(alphabet="[]{},\"'\\ -.0123456789eEtruefalsnl"))
def test_literal_like_text_parses_or_raises_template_error(text: str) -> None:
    with contextlib.suppress(TemplateError):
        parse_arguments(text)


def test_the_empty_set_renders_as_braces_which_read_back_as_the_empty_map() -> None:
    """There is one empty-brace literal; ``comparison`` takes it for the empty set too."""
    assert (Map(()), "{}") == (parse_value(render(Set(()))), render(Set(())))


def test_a_tests_literals_are_its_arguments_and_expected_value() -> None:
    assert ((Int(1), Array((Int(2),))), Int(3)) == parse_test(TestCase("t1", "1, [2]", "3"))


@pytest.mark.parametrize(
    ("input_text", "expected_text", "field"), [("1,,", "3", "input"), ("1", "[1", "expected_output")]
)
def test_a_literal_that_does_not_parse_names_its_field_and_test(
    input_text: str, expected_text: str, field: str
) -> None:
    with pytest.raises(TemplateError) as caught:
        parse_test(TestCase("t7", input_text, expected_text))
    assert ("t7", True) == (caught.value.test_id, caught.value.problem.startswith(f"{field}: "))


SPELLINGS = {"yes": "true", "nothing": "null"}


def test_a_language_spelling_is_rewritten_before_parsing() -> None:
    assert ((Bool(True),), Null()) == parse_test(TestCase("t", "yes", "nothing"), SPELLINGS.__getitem__)
