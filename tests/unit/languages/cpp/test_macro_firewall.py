"""Every macro the user's code defines is found the way the preprocessor finds it, and undefined."""

from __future__ import annotations

import pytest

from coderunner.languages.cpp.macro_firewall import defined_macros, undef_lines


@pytest.mark.parametrize(
    ("code", "names"),
    [
        ("#define CHECK(x) x\n#define int long long\n", ["CHECK", "int"]),
        ("  #  define A 1\n%:define B 2\n#\tdefine C\n", ["A", "B", "C"]),
        ("# /* a comment */ define D 1\n", ["D"]),
        ("/* a comment\n   over lines */ #define E 1\n", ["E"]),  # the comment is one space: # starts the line
        ("#def\\\nine F 1\n#define G\\\nH 2\n", ["F", "GH"]),  # line splices are undone first
        ("#ifdef X\n#define I\n#else\n#define J\n#endif\n", ["I", "J"]),  # skipped branches too
        ("#define K(a) #a\n#define L(a, b) a##b\n", ["K", "L"]),
        ("#define M\n#define M\n#undef M\n", ["M"]),
    ],
)
def test_each_define_directive_is_found_once(code: str, names: list[str]) -> None:
    assert names == defined_macros(code)


@pytest.mark.parametrize(
    "code",
    [
        'const char* s = "\\n#define NOT";\n',
        'auto r = R"x(\n#define NOT\n)x";\n',
        'auto r = u8R"(\n#define NOT\n)";\n',
        "// #define NOT\n",
        "/*\n#define NOT\n*/\n",
        "int x; /* a comment\n */ #define NOT 1\n",  # not at the start of a line once the comment is a space
        "char c = '#';\n",
        "int n = 1'000;\n#if 0\n",  # a digit separator is not a character literal
        "int a; #define NOT\n",
        "#include <vector>\n#pragma once\n#undef NOT\n",
    ],
)
def test_text_that_is_no_define_directive_defines_nothing(code: str) -> None:
    assert [] == [name for name in defined_macros(code) if name == "NOT"]


def test_a_digit_separator_does_not_hide_the_next_directive() -> None:
    assert ["AFTER"] == defined_macros("int n = 1'000'000;\n#define AFTER 1\n")


def test_names_reserved_to_the_implementation_and_non_macros_stay() -> None:
    names = ["CHECK", "__LINE__", "_GLIBCXX_DEBUG", "defined", "and", "_lower", "int"]
    assert ["#undef CHECK", "#undef _lower", "#undef int"] == undef_lines(names)
