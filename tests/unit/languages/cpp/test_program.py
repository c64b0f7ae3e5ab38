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


def test_the_prelude_include_is_the_first_line_so_the_precompiled_header_is_used() -> None:
    assert (
        "#include <coderunner/prelude.h>"
        == harness(TWO_SUM, TestCase("t1", "[2, 7], 9", "[0, 1]")).source.split("\n")[0]
    )


def test_everything_after_the_prelude_is_guarded_against_a_second_inclusion() -> None:
    lines = harness(TWO_SUM, TestCase("t1", "[2, 7], 9", "[0, 1]")).source.splitlines()
    assert (f"#ifndef cr_{NONCE}_harness", f"#define cr_{NONCE}_harness", f"#endif  // cr_{NONCE}_harness") == (
        lines[1],
        lines[2],
        lines[-1],
    )


def test_the_users_code_is_included_unchanged_after_a_line_directive() -> None:
    source = harness(TWO_SUM, TestCase("t1", "[2, 7], 9", "[0, 1]")).source
    assert f'#line 1 "solution.cpp"\n{TWO_SUM}\n' in source


def test_line_directives_name_harness_lines_by_their_real_numbers() -> None:
    lines = harness(TWO_SUM, TestCase("t1", "[2, 7], 9", "[0, 1]")).source.split("\n")
    for number, line in enumerate(lines, start=1):
        if match := re.fullmatch(r'#line (\d+) "harness.cpp"', line):
            assert number + 1 == int(match.group(1))


def test_generated_tests_come_before_the_users_code_and_the_call_after_it() -> None:
    source = harness(TWO_SUM, TestCase("t1", "[2, 7], 9", "[0, 1]")).source
    user = source.index('#line 1 "solution.cpp"')
    assert source.index(f"void cr_{NONCE}_body_0()") < user
    assert source.index(f'DOCTEST_TEST_CASE("cr_{NONCE}_0")') < user
    assert source.index(f"struct cr_{NONCE}_call<cr_{NONCE}_tag>") > user
    assert f"Solution cr_{NONCE}_s; return cr_{NONCE}_s.twoSum(" in source[user:]


def test_the_tail_holds_no_expected_values_and_no_doctest_macros() -> None:
    source = harness(ECHO, TestCase("t1", '"in"', '"expected-value"')).source
    tail = source[source.rindex('#pragma pop_macro("') :]
    assert "expected-value" not in tail
    assert "DOCTEST" not in tail
    assert "expected\\055value" not in tail


def test_every_framework_name_is_pushed_before_the_users_code_and_popped_after() -> None:
    source = harness(ECHO, TestCase("t1", '"a"', '"a"'), TestCase("t2", custom_validation_code="CHECK(mine(1));"))
    user = source.source.index('#line 1 "solution.cpp"')
    for name in ("CHECK", "DOCTEST_CHECK", "doctest", "int", "true", "mine"):
        assert (
            source.source.index(f'#pragma push_macro("{name}")')
            < user
            < source.source.index(f'#pragma pop_macro("{name}")')
        )


def test_custom_validation_bodies_follow_the_firewall_under_their_own_file_name() -> None:
    source = harness(ECHO, TestCase("t1", custom_validation_code='CHECK(echo("x") == "x");')).source
    body = source.index('CHECK(echo("x") == "x");')
    assert source.rindex('#pragma pop_macro("') < body
    assert f'DOCTEST_TEST_CASE("cr_{NONCE}_0") {{\n#line 1 "tests[0].custom_validation_code"\n' in source


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


def test_code_touching_doctest_is_refused_in_function_mode() -> None:
    with pytest.raises(TemplateError, match="must not touch the test framework"):
        harness("#define CHECK(...) (void)0\nint f(int x) { return x; }")


def test_only_custom_tests_need_no_function() -> None:
    built = harness("int x = 1;", TestCase("t1", custom_validation_code="CHECK(x == 1);"))
    assert "_call<" not in built.source


def test_broken_code_without_a_function_is_left_to_the_compiler() -> None:
    """tree-sitter's confusion must not hide gcc's own message: the program cannot compile."""
    source = harness("int f(int x { return x; ", TestCase("t1", "1", "1")).source
    assert "int f(int x { return x; " in source
    assert re.search(r'static_assert\(false, "coderunner found no function to test: .*"\);', source)


def test_missing_function_in_sound_code_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="no function to call"):
        harness("int x = 1;", TestCase("t1", "1", "1"))
