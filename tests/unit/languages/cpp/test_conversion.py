"""Literals become C++ expressions of the parameter's type; text can never escape its literal."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coderunner.errors import TemplateError
from coderunner.languages.cpp.conversion import (
    check,
    concretize,
    cpp_char_literal,
    cpp_string,
    cpp_string_literal,
    declare,
    expression,
)
from coderunner.languages.cpp.cxx_types import Kind, parse_type
from coderunner.languages.literals import Array, Char, Float, Int, Null, Str, parse_value

# What cpp_string_literal may produce: printable ASCII without " \ ?, or 3-digit octal escapes.
STRING_LITERAL = re.compile(r'"(?:[ !#->@-\[\]-~]|\\[0-7]{3})*"')


def decode_string_literal(literal: str) -> bytes:
    """What a C++ compiler makes of the literal, for the escapes cpp_string_literal emits."""
    body = literal[1:-1]
    return bytes(int(m.group(1), 8) if m.group(1) else ord(m.group(2)) for m in re.finditer(r"\\([0-7]{3})|(.)", body))


@given(st.binary())
def test_string_literals_hold_exactly_their_bytes(data: bytes) -> None:
    literal = cpp_string_literal(data)
    assert STRING_LITERAL.fullmatch(literal)
    assert data == decode_string_literal(literal)


@given(st.text())
def test_no_text_can_end_its_string_literal_early(value: str) -> None:
    """Quotes, backslashes, newlines and */ all stay inside: the only " is the closing one."""
    literal = cpp_string_literal(value.encode())
    assert '"' not in literal[1:-1].replace("\\042", "")
    assert "\n" not in literal


@given(st.characters(max_codepoint=0x7F))
def test_char_literals_are_one_safe_char_or_an_octal_escape(char: str) -> None:
    literal = cpp_char_literal(char)
    assert re.fullmatch(r"'(?:[ -&(-\[\]-~]|\\[0-7]{3})'", literal)
    assert char == (chr(int(literal[2:-1], 8)) if literal[1] == "\\" else literal[1])


def test_std_strings_carry_their_length_so_nul_bytes_survive() -> None:
    assert 'std::string("a\\000b", 3)' == cpp_string("a\0b")


@pytest.mark.parametrize(
    ("literal", "type_text", "cpp"),
    [
        ("5", "int", "5"),
        ("-2147483648", "int", "-2147483648LL"),
        ("3000000000", "long long", "3000000000LL"),
        ("-9223372036854775808", "long long", "(-9223372036854775807LL - 1)"),
        ("18446744073709551615", "unsigned long long", "18446744073709551615ULL"),
        ("2", "double", "2.0"),
        ("-1e-9", "float", "-1e-09"),
        ("true", "bool", "true"),
        ("'a'", "char", "'a'"),
        ('"a"', "char", "'a'"),
        ("'\\n'", "char", "'\\012'"),
        ('"hi"', "string", 'std::string("hi", 2)'),
        ("[[1], []]", "vector<vector<int>>", "std::vector<std::vector<int>>{std::vector<int>{1}, std::vector<int>{}}"),
        ('["x"]', "vector<string>", 'std::vector<std::string>{std::string("x", 1)}'),
        ("[1, 2.5]", "T", "std::vector<double>{1.0, 2.5}"),
        (
            '{"a": 1, "b": 2}',
            "map<string, int>",
            'std::map<std::string, int>{{std::string("a", 1), 1}, {std::string("b", 1), 2}}',
        ),
        ("{}", "unordered_map<int, int>", "std::unordered_map<int, int>{}"),
        ("{1: [2.5]}", "map<int, vector<double>>", "std::map<int, std::vector<double>>{{1, std::vector<double>{2.5}}}"),
        ("[3, 1]", "set<int>", "std::set<int>{3, 1}"),
        ("{3, 1}", "unordered_set<long long>", "std::unordered_set<long long>{3, 1}"),
        ("{}", "set<int>", "std::set<int>{}"),
        ("[[1], {}]", "vector<set<int>>", "std::vector<std::set<int>>{std::set<int>{1}, std::set<int>{}}"),
        ("{'a': true}", "T", "std::map<char, bool>{{'a', true}}"),
        ("{1, 2.5}", "T", "std::set<double>{1.0, 2.5}"),
        ("{1: [2]}", "map<T, vector<T>>", "std::map<int, std::vector<int>>{{1, std::vector<int>{2}}}"),
        ("[1, 2]", "set<T>", "std::set<int>{1, 2}"),
    ],
)
def test_literals_become_typed_expressions(literal: str, type_text: str, cpp: str) -> None:
    assert cpp == expression(parse_value(literal), parse_type(type_text, deduced=frozenset({"T"})))


@pytest.mark.parametrize(
    ("literal", "type_text", "fragment"),
    [
        ("2147483648", "int", "out of range"),
        ("-1", "unsigned", "out of range"),
        ("1.5", "int", "expected an integer"),
        ("1e39", "float", "out of range"),
        ('"ab"', "char", "expected a char"),
        ("'é'", "char", "ASCII"),
        ("1", "bool", "expected true or false"),
        ("null", "string", "expected a string"),
        ('[1, "a"]', "vector<int>", "expected an integer"),
        ("[1]", "multimap<int, int>", "not supported"),
        ("[1]", "map<int, int>", "expected a map"),
        ('{"a": 1}', "set<string>", "expected an array such as [1, 2] or a set"),
        ("{1, 2}", "vector<int>", "expected an array"),
        ('{"a": "b"}', "map<string, int>", "expected an integer"),
        ("[1, 1]", "set<int>", "holds each element once"),
        ("[1, 1.0]", "set<double>", "holds each element once"),
        ("{1: 1, 1.0: 2}", "map<double, int>", "holds each key once"),
        ("{}", "set<T>", "cannot deduce"),
        ("{}", "T", "cannot deduce"),
        ("[]", "T", "cannot deduce"),
        ('[1, "a"]', "T", "do not share one C++ type"),
    ],
)
def test_literals_that_do_not_fit_are_template_errors(literal: str, type_text: str, fragment: str) -> None:
    with pytest.raises(TemplateError) as caught:
        expression(parse_value(literal), parse_type(type_text, deduced=frozenset({"T"})))
    assert fragment in caught.value.problem


def test_c_strings_are_mutable_local_arrays() -> None:
    assert ('char cr_a0[] = "ab\\012";',) == declare("cr_a0", Str("ab\n"), parse_type("char*"))


def test_a_null_c_string_is_a_null_pointer() -> None:
    assert ("char* cr_a0 = nullptr;",) == declare("cr_a0", Null(), parse_type("const char*"))


def test_array_pointers_are_local_arrays_never_of_size_zero() -> None:
    assert ("int cr_a0[1] = {};",) == declare("cr_a0", Array(()), parse_type("int*"))
    assert ("double cr_a0[2] = {1.0, 2.0};",) == declare("cr_a0", parse_value("[1, 2]"), parse_type("double*"))


def test_the_result_is_stored_as_the_return_type_and_the_expected_value_stays_out() -> None:
    """The expected value never enters the program: it is compared outside the process."""
    assert ("const std::vector<int> cr_actual((f(a)));",) == check(
        "f(a)", parse_value("[0, 1]"), parse_type("vector<int>")
    )


def test_c_string_results_are_kept_as_pointers() -> None:
    assert ("const char* const cr_actual = (f());",) == check("f()", Str("ok"), parse_type("const char*"))
    assert ("const char* const cr_actual = (f());",) == check("f()", Null(), parse_type("char*"))


def test_an_expected_literal_the_return_type_cannot_hold_is_refused() -> None:
    with pytest.raises(TemplateError):
        check("f()", Str("x"), parse_type("int"))


@pytest.mark.parametrize("type_text", ["void", "int*", "ListNode*"])
def test_results_that_cannot_be_compared_ask_for_custom_validation(type_text: str) -> None:
    with pytest.raises(TemplateError, match="custom_validation_code"):
        check("f()", Int(1), parse_type(type_text))


def test_auto_results_take_the_expected_literals_type() -> None:
    assert ("const double cr_actual((f()));",) == check("f()", Float(0.5), parse_type("auto"))


def test_map_and_set_results_are_stored_as_the_return_type() -> None:
    assert ("const std::unordered_map<std::string, int> cr_actual((f()));",) == check(
        "f()", parse_value('{"a": 1}'), parse_type("unordered_map<string, int>")
    )
    assert ("const std::set<int> cr_actual((f()));",) == check("f()", parse_value("[1, 2]"), parse_type("set<int>"))


def test_a_deduced_result_holding_a_map_or_set_is_kept_as_returned() -> None:
    """``auto`` may be an unordered_map: converting it to the std::map the literal suggests would not compile."""
    assert ("const auto cr_actual((f()));",) == check("f()", parse_value('[{"a": 1}]'), parse_type("auto"))
    assert ("const std::vector<int> cr_actual((f()));",) == check("f()", parse_value("[1]"), parse_type("auto"))


def test_deduced_maps_take_the_widest_key_and_value_types() -> None:
    ctype = concretize(parse_type("map<K, V>", deduced=frozenset({"K", "V"})), parse_value("{1: 2, 3000000000: 2.5}"))
    assert "std::map<long long, double>" == ctype.spelling


def test_deduced_vectors_take_the_widest_element_type() -> None:
    ctype = concretize(parse_type("vector<T>", deduced=frozenset({"T"})), parse_value("[1, 3000000000]"))
    assert (Kind.VECTOR, "std::vector<long long>") == (ctype.kind, ctype.spelling)


def test_a_char_literal_is_not_a_string() -> None:
    with pytest.raises(TemplateError, match="expected a string"):
        expression(Char("a"), parse_type("string"))


@pytest.mark.parametrize(
    ("type_text", "literal", "spelling"),
    [
        ("vector<T>", "[[1], []]", "std::vector<std::vector<int>>"),
        ("map<K, V>", "{3: [1], 1: []}", "std::map<int, std::vector<int>>"),
        ("set<T>", "[{}, {1: 'a'}]", "std::set<std::map<int, char>>"),
    ],
)
def test_an_empty_containers_type_comes_from_its_siblings(type_text: str, literal: str, spelling: str) -> None:
    ctype = concretize(parse_type(type_text, deduced=frozenset({"T", "K", "V"})), parse_value(literal))
    assert spelling == ctype.spelling
