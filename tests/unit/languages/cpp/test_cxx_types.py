"""Declaration text is read into the few kinds of type a literal can become."""

from __future__ import annotations

import pytest

from coderunner.languages.cpp.cxx_types import Kind, expand, parse_type, tokenize

ALIASES = {
    "ll": ("long", "long"),
    "vi": ("vector", "<", "int", ">"),
    "vvl": ("vector", "<", "vector", "<", "ll", ">", ">"),
    "int": ("long", "long"),  # #define int long long
}


@pytest.mark.parametrize(
    ("text", "kind", "spelling"),
    [
        ("int", Kind.INTEGER, "int"),
        ("const int&", Kind.INTEGER, "int"),
        ("unsigned", Kind.INTEGER, "unsigned int"),
        ("long int", Kind.INTEGER, "long"),
        ("unsigned long long int", Kind.INTEGER, "unsigned long long"),
        ("short", Kind.INTEGER, "short"),
        ("size_t", Kind.INTEGER, "std::size_t"),
        ("std::int64_t", Kind.INTEGER, "std::int64_t"),
        ("signed char", Kind.INTEGER, "signed char"),
        ("char", Kind.CHAR, "char"),
        ("bool", Kind.BOOL, "bool"),
        ("double", Kind.FLOATING, "double"),
        ("long double", Kind.FLOATING, "long double"),
        ("float", Kind.FLOATING, "float"),
        ("void", Kind.VOID, "void"),
        ("string", Kind.STRING, "std::string"),
        ("const std::string &", Kind.STRING, "std::string"),
        ("std::string_view", Kind.STRING, "std::string"),
        ("const char *", Kind.CHAR_POINTER, "char*"),
        ("char const*", Kind.CHAR_POINTER, "char*"),
        ("int *", Kind.POINTER, "int*"),
        ("const int []", Kind.POINTER, "int*"),
        ("vector<int>", Kind.VECTOR, "std::vector<int>"),
        ("std::vector<std::vector<std::string>> &&", Kind.VECTOR, "std::vector<std::vector<std::string>>"),
        ("::std::vector<bool>", Kind.VECTOR, "std::vector<bool>"),
        ("vector<int, allocator<int>>", Kind.VECTOR, "std::vector<int>"),
        ("map<string, int>", Kind.MAP, "std::map<std::string, int>"),
        ("const std::unordered_map<char, vector<int>>&", Kind.MAP, "std::unordered_map<char, std::vector<int>>"),
        ("set<long long>", Kind.SET, "std::set<long long>"),
        ("std::unordered_set<std::string>", Kind.SET, "std::unordered_set<std::string>"),
        ("vector<set<int>>", Kind.VECTOR, "std::vector<std::set<int>>"),
        ("map<int, int, greater<int>>", Kind.UNSUPPORTED, "map < int , int , greater < int > >"),
        ("set<int, greater<int>>", Kind.UNSUPPORTED, "set < int , greater < int > >"),
        ("multimap<int, int>", Kind.UNSUPPORTED, "multimap < int , int >"),
        ("map<int, void>", Kind.UNSUPPORTED, "map < int , void >"),
        ("ListNode *", Kind.UNSUPPORTED, "ListNode *"),
        ("int **", Kind.UNSUPPORTED, "int * *"),
        ("int (*)(int)", Kind.UNSUPPORTED, "int ( * ) ( int )"),
        ("my::string", Kind.UNSUPPORTED, "my :: string"),
    ],
)
def test_types_are_read(text: str, kind: Kind, spelling: str) -> None:
    ctype = parse_type(text)
    assert (kind, spelling) == (ctype.kind, ctype.spelling)


@pytest.mark.parametrize(
    ("text", "spelling"),
    [
        ("ll", "long long"),
        ("const vi&", "std::vector<long long>"),  # vi's int is the #define'd int
        ("vvl", "std::vector<std::vector<long long>>"),
        ("int", "long long"),
    ],
)
def test_aliases_are_expanded(text: str, spelling: str) -> None:
    assert spelling == parse_type(text, ALIASES).spelling


def test_a_macro_is_not_expanded_inside_its_own_expansion() -> None:
    """As in the preprocessor: int → long long → each long → int, which stays int."""
    assert ("int", "int") == expand(("int",), {"int": ("long", "long"), "long": ("int",)})


def test_self_referencing_aliases_terminate() -> None:
    assert ("a",) == expand(("a",), {"a": ("b",), "b": ("a",)})


def test_template_parameters_are_deduced() -> None:
    ctype = parse_type("const vector<T>&", deduced=frozenset({"T"}))
    assert (Kind.VECTOR, Kind.DEDUCED, False) == (ctype.kind, ctype.element and ctype.element.kind, ctype.concrete)


def test_a_maps_key_and_value_types_are_its_parts() -> None:
    ctype = parse_type("map<K, vector<V>>", deduced=frozenset({"K", "V"}))
    assert (Kind.DEDUCED, Kind.VECTOR, False) == (
        ctype.key and ctype.key.kind,
        ctype.element and ctype.element.kind,
        ctype.concrete,
    )


def test_rvalue_references_are_marked() -> None:
    assert parse_type("vector<int>&&").rvalue_reference


def test_tokens_split_closing_angle_brackets() -> None:
    assert ("vector", "<", "vector", "<", "int", ">", ">") == tokenize("vector<vector<int>>")


def test_written_keeps_the_users_text_for_messages() -> None:
    assert "const vi &" == parse_type("const vi  &", ALIASES).written
