"""Function-mode code that reaches for the test framework is refused before it runs."""

from __future__ import annotations

import pytest

from coderunner.errors import TemplateError
from coderunner.languages.cpp.screening import problems, screen


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ('TEST_CASE("x") { }', "uses TEST_CASE, which belongs to the test framework"),
        ("int f() { doctest::getContextOptions(); return 0; }", "uses doctest, which belongs to the test framework"),
        ("#define CHECK(...) (void)0", "uses CHECK, which belongs to the test framework"),
        ("#define X REQUIRE\nint f() { return 0; }", "uses REQUIRE, which belongs to the test framework"),
        ("int DOCTEST_X = 1;", "uses DOCTEST_X, which belongs to the test framework"),
        ('REGISTER_REPORTER("r", 1, R);', "uses REGISTER_REPORTER, which belongs to the test framework"),
        ('#pragma pop_macro("CHECK")', "uses pop_macro, which could undo the harness's macro firewall"),
        ('_Pragma("x") int f();', "uses _Pragma, which could undo the harness's macro firewall"),
        ("#define CAT(a, b) a##b", "pastes tokens with ##"),
        ("#include <doctest/doctest.h>", "includes a doctest header"),
        (
            "int f() { return DOC\\\nTEST_VERSION_MAJOR; }",
            "uses DOCTEST_VERSION_MAJOR, which belongs to the test framework",
        ),
    ],
)
def test_touching_the_framework_is_a_problem(code: str, problem: str) -> None:
    assert problem in problems(code)


@pytest.mark.parametrize(
    "code",
    [
        "// CHECK that doctest is not needed\nint f(int x) { return x; }",
        'const char* s = "TEST_CASE doctest ##"; /* REQUIRE */',
        '#define MSG "CHECK ## doctest" // INFO\nint f();',
        "int check(int x) { return x; } int Checker = 2;",
        '#include <unistd.h>\nint f() { return write(STDOUT_FILENO, "", 0); }',
    ],
)
def test_comments_strings_and_lookalike_names_are_fine(code: str) -> None:
    assert [] == problems(code)


def test_screen_raises_a_template_error_about_the_code() -> None:
    with pytest.raises(TemplateError) as caught:
        screen("#define CHECK(x) true")
    assert (None, "code") == (caught.value.test_id, caught.value.field)
