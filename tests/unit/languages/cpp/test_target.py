"""The function under test is chosen by name, then by fit; arguments become typed locals."""

from __future__ import annotations

import pytest

from coderunner.errors import TemplateError
from coderunner.languages.cpp.signature import read_source
from coderunner.languages.cpp.target import Case, Target, call, choose
from coderunner.languages.literals import parse_arguments, parse_value


def case(arguments: str, expected: str, test_id: str = "t1") -> Case:
    return Case(test_id, parse_arguments(arguments), parse_value(expected))


def chosen(code: str, *cases: Case, function_name: str | None = None) -> Target:
    return choose(read_source(code), cases or (case("1", "1"),), function_name)


def test_a_single_function_is_the_target() -> None:
    assert "twice" == chosen("int twice(int x) { return 2 * x; }").function.name


def test_function_name_chooses_among_several() -> None:
    code = "int a(int x) { return x; }\nint b(int x) { return x; }"
    assert "b" == chosen(code, function_name="b").function.name


def test_function_name_may_be_qualified() -> None:
    code = "namespace n { int a(int x) { return x; } }\nint a(int x) { return x; }"
    assert "n::a" == chosen(code, function_name="n::a").callee


def test_an_unknown_function_name_lists_what_exists() -> None:
    with pytest.raises(TemplateError, match="no function named 'c'; it defines: a"):
        chosen("int a(int x) { return x; }", function_name="c")


def test_the_function_whose_types_fit_the_literals_is_chosen() -> None:
    code = "int count(const std::string& s) { return 0; }\nint twice(int x) { return 2 * x; }"
    assert "twice" == chosen(code, case("21", "42")).function.name
    assert "count" == chosen(code, case('"abc"', "3")).function.name


def test_the_function_whose_arity_fits_is_chosen() -> None:
    code = "int one(int a) { return a; }\nint two(int a, int b) { return a + b; }"
    assert "two" == chosen(code, case("1, 2", "3")).function.name


def test_solution_methods_win_over_free_functions() -> None:
    code = """int gcd(int a, int b) { return b ? gcd(b, a % b) : a; }
    class Solution { public: int f(int a, int b) { return a; } };"""
    target = chosen(code, case("4, 6", "2"))
    assert ("Solution", "f") == (target.function.owner, target.callee)


def test_helpers_called_by_another_function_lose() -> None:
    code = "int sq(int x) { return x * x; }\nint solve(int x) { return sq(x) + 1; }"
    assert "solve" == chosen(code, case("2", "5")).function.name


def test_ambiguity_is_a_template_error_that_asks_for_function_name() -> None:
    with pytest.raises(TemplateError, match="set function_name"):
        chosen("int a(int x) { return x; }\nint b(int x) { return x; }")


def test_no_function_at_all_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="no function to call"):
        chosen("int x = 5;")


def test_when_nothing_fits_the_function_of_the_right_arity_reports_the_mismatch() -> None:
    code = "int a(int x) { return x; }\nint b(int x, int y) { return x; }"
    target = chosen(code, case('"s"', "1"))
    with pytest.raises(TemplateError, match="argument 1 \\(x\\)"):
        call(target, case('"s"', "1"), "f")


def test_arguments_become_locals_passed_by_name() -> None:
    target = chosen("vector<int> twoSum(vector<int>& nums, int target) { return {}; }", case("[2, 7], 9", "[0, 1]"))
    assert (
        "std::vector<int> cr_a0 = std::vector<int>{2, 7};",
        "int cr_a1 = 9;",
        "const std::vector<int> cr_actual((invoke(cr_a0, cr_a1)));",
    ) == call(target, case("[2, 7], 9", "[0, 1]"), "invoke")


def test_an_array_pointer_and_its_length_take_one_array_literal() -> None:
    target = chosen("int sum(const int* a, int n) { return 0; }", case("[1, 2, 3]", "6"))
    assert ("int cr_a0[3] = {1, 2, 3};", "int cr_a1 = 3;") == call(target, case("[1, 2, 3]", "6"), "f")[:2]


def test_an_array_pointer_without_pairing_takes_its_own_literals() -> None:
    target = chosen("int at(int* a, int i) { return a[i]; }", case("[5, 6], 1", "6"))
    assert ("int cr_a0[2] = {5, 6};", "int cr_a1 = 1;") == call(target, case("[5, 6], 1", "6"), "f")[:2]


def test_rvalue_reference_parameters_get_moved_arguments() -> None:
    target = chosen("int size(std::vector<int>&& v) { return v.size(); }", case("[1]", "1"))
    assert "const int cr_actual((f(std::move(cr_a0))));" == call(target, case("[1]", "1"), "f")[-1]


def test_trailing_default_arguments_may_be_left_out() -> None:
    target = chosen("int add(int a, int b = 10) { return a + b; }", case("1", "11"))
    assert "const int cr_actual((f(cr_a0)));" == call(target, case("1", "11"), "f")[-1]


def test_wrong_argument_count_is_a_template_error() -> None:
    target = chosen("int add(int a, int b) { return a + b; }", case("1, 2", "3"))
    with pytest.raises(TemplateError, match="add takes 2 arguments, the input has 3"):
        call(target, case("1, 2, 3", "6"), "f")


def test_aliases_are_resolved_in_parameter_and_return_types() -> None:
    code = "typedef long long ll;\nusing vl = vector<ll>;\n#define int long long\nvl f(int n) { return {}; }"
    target = chosen(code, case("3000000000", "[1]"))
    assert ("long long", "std::vector<long long>") == (target.parameters[0].spelling, target.returns.spelling)


def test_void_functions_need_custom_validation() -> None:
    target = chosen("void f(int x) {}", case("1", "1"))
    with pytest.raises(TemplateError, match=r"expected_output: .*custom_validation_code"):
        call(target, case("1", "1"), "f")


def test_function_templates_are_called_with_types_from_the_literals() -> None:
    target = chosen("template <class T> T biggest(vector<T> v) { return v[0]; }", case("[1.5, 2]", "2"))
    assert (
        "std::vector<double> cr_a0 = std::vector<double>{1.5, 2.0};",
        "const double cr_actual((f(cr_a0)));",
    ) == call(target, case("[1.5, 2]", "2"), "f")[:2]
