"""The generated harness keeps the user's code intact and out of reach of the tests."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coderunner.domain.submission import DEFAULT_TOLERANCE, Submission, TestCase, Tolerance
from coderunner.errors import TemplateError
from coderunner.languages.cpp.program import Harness, Mode, build

NONCE = "00112233aabbccdd"
TWO_SUM = """#include <vector>
using namespace std;
class Solution {
public:
    vector<int> twoSum(vector<int>& nums, int target) {
        return {0, 1};
    }
};"""
ECHO = "#include <string>\nstd::string echo(std::string s) { return s; }"


def harness(code: str, *tests: TestCase, function_name: str | None = None) -> Harness:
    submission = Submission.create(
        language="cpp", code=code, tests=tests or [TestCase("t1", "1", "1")], function_name=function_name
    )
    return build(submission, NONCE)


def test_the_users_code_comes_first_after_directives_only_so_its_first_include_can_be_precompiled() -> None:
    lines = harness(TWO_SUM, TestCase("t1", "[2, 7], 9", "[0, 1]")).source.split("\n")
    assert [f"#ifndef cr_{NONCE}_harness", f"#define cr_{NONCE}_harness", '#line 1 "solution.cpp"'] == lines[:3]
    assert TWO_SUM.split("\n") == lines[3 : 3 + TWO_SUM.count("\n") + 1]
    assert f"#endif  // cr_{NONCE}_harness" == lines[-2]


def test_line_directives_name_harness_lines_by_their_real_numbers() -> None:
    built = harness(TWO_SUM, TestCase("t1", "[2, 7], 9", "[0, 1]"), TestCase("c", custom_validation_code="CHECK(1);"))
    for number, line in enumerate(built.source.split("\n"), start=1):
        if match := re.fullmatch(r'#line (\d+) "harness.cpp"', line):
            assert number + 1 == int(match.group(1))


def test_the_users_macros_are_undefined_right_after_the_users_code() -> None:
    code = "#define CHECK(x) x\n#define int long long\n#define _GLIBCXX_DEBUG 1\nint f(int x) { return x; }"
    source = harness(code).source
    after_user = source[source.index('"harness.cpp"') :]
    assert after_user.index("#undef CHECK\n#undef int\n") < after_user.index("template <class")
    assert "#undef _GLIBCXX_DEBUG" not in source  # configures the standard library for the harness too


def test_the_users_function_is_named_only_before_doctests_short_macros_exist() -> None:
    source = harness(TWO_SUM, TestCase("t1", "[2, 7], 9", "[0, 1]")).source
    doctest = source.index("#include <doctest/doctest.h>")
    assert f"Solution cr_{NONCE}_s; return cr_{NONCE}_s.twoSum(" in source[source.index('"harness.cpp"') : doctest]
    assert ("twoSum" not in source[doctest:], "Solution" not in source[doctest:]) == (True, True)
    assert f"cr_{NONCE}_call(cr_a0, cr_a1)" in source[doctest:]


def test_custom_bodies_see_the_users_code_and_doctest_only_and_under_their_own_file_name() -> None:
    source = harness(ECHO, TestCase("t1", '"a"', '"a"'), TestCase("c", custom_validation_code="CHECK(1);")).source
    assert (
        f'#include <doctest/doctest.h>\nDOCTEST_TEST_CASE("cr_{NONCE}_1") {{\n'
        '#line 1 "tests[1].custom_validation_code"\nCHECK(1);\n'
    ) in source


def test_the_harness_headers_come_after_custom_bodies_and_before_the_generated_tests() -> None:
    built = harness(ECHO, TestCase("t1", '"a"', '"a"'), TestCase("c", custom_validation_code="CHECK(1);"))
    source = built.source
    assert source.index("CHECK(1);") < source.index("#include <charconv>") < source.index(f"cr_{NONCE}_body_0()")


def test_the_generated_tests_hold_no_expected_values() -> None:
    source = harness(ECHO, TestCase("t1", '"in"', '"expected-value"')).source
    assert "expected-value" not in source
    assert "expected\\055value" not in source


def test_the_plan_maps_doctest_names_back_to_test_ids() -> None:
    plan = harness(ECHO, TestCase("first", '"a"', '"b"'), TestCase("second", custom_validation_code="CHECK(1);")).plan
    assert (Mode.FUNCTION, [("first", f"cr_{NONCE}_0", False), ("second", f"cr_{NONCE}_1", True)]) == (
        plan.mode,
        [(t.test_id, t.case_name, t.custom) for t in plan.tests],
    )
    assert ('echo("a")', '"b"') == (plan.tests[0].call, plan.tests[0].expected)


def test_the_plan_carries_each_tests_tolerance() -> None:
    plan = harness(
        ECHO, TestCase("own", '"a"', '"a"', tolerance=Tolerance(absolute=0.5)), TestCase("default", '"a"', '"a"')
    ).plan
    assert [Tolerance(0.5, DEFAULT_TOLERANCE.relative), DEFAULT_TOLERANCE] == [t.tolerance for t in plan.tests]


ids = st.text(min_size=1, max_size=30).filter(lambda s: s.strip() and "\x00" not in s)


@settings(max_examples=30)
@given(st.lists(ids, min_size=2, max_size=2, unique_by=str.strip))
def test_test_ids_never_reach_the_program(test_ids: list[str]) -> None:
    tests = [
        TestCase(test_ids[0], '"x"', '"x"'),
        TestCase(test_ids[1], custom_validation_code='CHECK(echo("") == "");'),
    ]
    assert harness(
        ECHO, TestCase("a", '"x"', '"x"'), TestCase("b", custom_validation_code='CHECK(echo("") == "");')
    ).source == (harness(ECHO, *tests).source)


expected_texts = st.text().filter(lambda s: "\x00" not in s)


@settings(max_examples=50)
@given(expected_texts)
def test_an_expected_string_never_enters_the_program(text: str) -> None:
    """Expected values are compared outside the process, so no expected text can change the harness."""
    literal = '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'
    baseline = harness(ECHO, TestCase("t1", '"x"', '""')).source
    assert baseline == harness(ECHO, TestCase("t1", '"x"', literal)).source


def test_input_literal_errors_name_the_test() -> None:
    with pytest.raises(TemplateError) as caught:
        harness(ECHO, TestCase("t1", '"a"', '"a"'), TestCase("bad one", '"a', '"a"'))
    assert ("bad one", "tests[bad one]") == (caught.value.test_id, caught.value.field)
    assert caught.value.problem.startswith("input: unterminated string")


def test_expected_output_errors_name_the_test() -> None:
    with pytest.raises(TemplateError) as caught:
        harness(ECHO, TestCase("t9", '"a"', "[1, 2"))
    assert ("t9", True) == (caught.value.test_id, caught.value.problem.startswith("expected_output:"))


def test_a_literal_the_parameter_cannot_hold_names_the_test() -> None:
    with pytest.raises(TemplateError) as caught:
        harness("int f(int x) { return x; }", TestCase("big", "99999999999", "1"))
    assert "big" == caught.value.test_id
    assert "argument 1 (x)" in caught.value.problem


def test_code_with_main_is_a_whole_program_compiled_as_it_is() -> None:
    code = '#include <iostream>\nint main() { std::cout << "Hello World"; }'
    built = harness(code, TestCase("t1", "", "Hello World"))
    assert (Mode.PROGRAM, code, "Hello World") == (built.plan.mode, built.source, built.plan.tests[0].expected)


def test_custom_validation_needs_function_mode() -> None:
    with pytest.raises(TemplateError, match="defines main"):
        harness("int main() {}", TestCase("t1", custom_validation_code="CHECK(true);"))


@pytest.mark.parametrize(
    "code",
    [
        "enum Level { INFO, WARN, FAIL };\nint f(int x) { return x > 0 ? WARN : INFO; }",
        "#define CHECK(c) if (!(c)) return -1\nint f(int x) { CHECK(x > 0); return x; }",
        "int CHECK(int x) { return x; }",
        '#include <doctest/doctest.h>\nTEST_CASE("mine") {}\nint f(int x) { return x; }',
    ],
    ids=["enum_values", "own_check_macro", "function_called_check", "own_doctest"],
)
def test_names_the_test_framework_also_uses_are_the_users_to_take(code: str) -> None:
    assert Mode.FUNCTION == harness(code).plan.mode


def test_only_custom_tests_need_no_function() -> None:
    built = harness("int x = 1;", TestCase("t1", custom_validation_code="CHECK(x == 1);"))
    assert "_call(" not in built.source


def test_code_too_broken_to_read_is_left_to_the_compiler_alone() -> None:
    """tree-sitter's confusion must not decide: g++ compiles the code on its own, and only
    if it compiles is the missing function a template error (see test_plugin.py)."""
    built = harness("int f(int x { return x; ", TestCase("t1", "1", "1"))
    assert ("int f(int x { return x; ", "code: the code defines no function to call (and no main)") == (
        built.source,
        built.plan.unbuilt,
    )
    assert built.plan.doubt.startswith("coderunner's C++ reader could not follow the code from line 1")


def test_missing_function_in_sound_code_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="no function to call"):
        harness("int x = 1;", TestCase("t1", "1", "1"))
