"""Literals as Java expressions of a parameter's declared type."""

from __future__ import annotations

import pytest

from coderunner.errors import TemplateError
from coderunner.languages.java.conversion import JavaType, java_value, parse_type
from coderunner.languages.literals import parse_value


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("int", JavaType("int")),
        ("int[][]", JavaType("int", dimensions=2)),
        ("java.util.List<Integer>", JavaType("List", (JavaType("Integer"),))),
        ("List<List<Integer>>", JavaType("List", (JavaType("List", (JavaType("Integer"),)),))),
        ("Map<String, Integer>", JavaType("Map", (JavaType("String"), JavaType("Integer")))),
        ("String ...", JavaType("String", dimensions=1)),
    ],
)
def test_types_are_read_from_their_text(text: str, parsed: JavaType) -> None:
    assert parsed == parse_type(text)


@pytest.mark.parametrize("text", ["List<Integer", "int[", "int int", "<T>"])
def test_unreadable_types_are_template_errors(text: str) -> None:
    with pytest.raises(TemplateError):
        parse_type(text)


@pytest.mark.parametrize(
    ("kind", "literal", "expression"),
    [
        ("int", "-5", "(-5)"),
        ("int", "-2147483648", "(-2147483648)"),
        ("long", "12586269025", "12586269025L"),
        ("Long", "7", "7L"),
        ("short", "3", "((short) 3)"),
        ("Short", "3", "Short.valueOf((short) 3)"),
        ("double", "2", "(2.0d)"),
        ("double", "-1e-9", "(-1e-09d)"),
        ("float", "0.5", "(0.5f)"),
        ("boolean", "true", "true"),
        ("Character", "'\\''", "'\\''"),
        ("char", "'\\n'", "'\\012'"),
        ("String", '"a\\n1\\"\\\\"', '"a\\0121\\"\\\\"'),
        ("String", '"héllo 😀"', '"héllo 😀"'),
        ("String", "null", "(String) null"),
        ("int[]", "[]", "new int[] {}"),
        ("char[]", "['a', 'b']", "new char[] {'a', 'b'}"),
        ("String[]", '["x", null]', 'new String[] {"x", (String) null}'),
        ("int[][]", "[[1], []]", "new int[][] {new int[] {1}, new int[] {}}"),
        ("List<String>", "[]", "new java.util.ArrayList<String>()"),
        ("LinkedList<Integer>", "[1]", "new java.util.LinkedList<Integer>(java.util.Arrays.<Integer>asList(1))"),
        (
            "Map<String, Long>",
            '{"a": 1}',
            'new java.util.HashMap<String, Long>(java.util.Map.ofEntries(java.util.Map.<String, Long>entry("a", 1L)))',
        ),
        ("SortedMap<Integer, String>", "{}", "new java.util.TreeMap<Integer, String>()"),
        ("Set<Character>", "{'a'}", "new java.util.HashSet<Character>(java.util.Arrays.<Character>asList('a'))"),
        ("TreeSet<Integer>", "[2, 1]", "new java.util.TreeSet<Integer>(java.util.Arrays.<Integer>asList(2, 1))"),
        ("Set<String>", "{}", "new java.util.HashSet<String>()"),
    ],
)
def test_each_literal_becomes_an_expression_of_exactly_the_type(kind: str, literal: str, expression: str) -> None:
    assert expression == java_value(parse_type(kind), parse_value(literal))


@pytest.mark.parametrize(
    ("kind", "literal", "problem"),
    [
        ("int", "2147483648", "2147483648 does not fit in an int"),
        ("byte", "200", "200 does not fit in a byte"),
        ("int", "1.5", "1.5 is not an int"),
        ("int", "null", "null cannot be an int"),
        ("String", "'c'", "'c' is not a String"),
        ("char", "'😀'", "'😀' does not fit in a Java char"),
        ("int[]", "5", "5 is not an int[]"),
        ("List<Integer>", '["a"]', '"a" is not an Integer'),
        ("Map<String, Integer>", "[]", "[] is not a java.util.Map<String, Integer>"),
        ("Map<String, Integer>", '{"a": "b"}', '"b" is not an Integer'),
        ("Map<String, Integer>", '{"a": null}', '{"a": null}: a Java map argument cannot hold null'),
        ("Set<Integer>", '{"a": 1}', '{"a": 1} is not a java.util.Set<Integer>'),
        ("Map", "{}", "{} is not a java.util.Map"),
    ],
)
def test_a_literal_that_does_not_fit_is_a_template_error(kind: str, literal: str, problem: str) -> None:
    with pytest.raises(TemplateError) as caught:
        java_value(parse_type(kind), parse_value(literal))
    assert problem == caught.value.problem
