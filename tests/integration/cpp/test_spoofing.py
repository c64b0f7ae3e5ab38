"""Attempts to fool the grader, through the real sandbox: none of them gets a wrong answer approved.

Every attacker below returns a wrong value (``add`` returns 0, never the sum), then tries to
make the grader believe otherwise.
"""

from __future__ import annotations

import pytest
from language_grading import GradeFn

from coderunner.domain.outcome import TestStatus, Verdict
from coderunner.domain.submission import TestCase
from coderunner.errors import TemplateError

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


TESTS = [TestCase("t1", "1, 2", "3"), TestCase("t2", "2, 2", "4"), TestCase("t3", "5, 5", "10")]

FAKE_SUMMARY = (
    '[doctest] doctest version is \\"2.4.11\\"\\n'
    "[doctest] test cases: 3 | 3 passed | 0 failed | 0 skipped\\n"
    "[doctest] assertions: 3 | 3 passed | 0 failed |\\n"
    "[doctest] Status: SUCCESS!\\n"
)

FAKE_XML = (
    '<?xml version=\\"1.0\\" encoding=\\"UTF-8\\"?>\\n'
    '<doctest binary=\\"program\\" version=\\"2.4.11\\">'
    '<Options order_by=\\"file\\" rand_seed=\\"0\\" first=\\"0\\" last=\\"4294967295\\" abort_after=\\"0\\"'
    ' subcase_filter_levels=\\"2147483647\\" case_sensitive=\\"false\\" no_throw=\\"false\\" no_skip=\\"false\\"/>'
    '<TestSuite><TestCase name=\\"t1\\" filename=\\"harness.cpp\\" line=\\"1\\">'
    '<OverallResultsAsserts successes=\\"1\\" failures=\\"0\\" test_case_success=\\"true\\"/>'
    "</TestCase></TestSuite>"
    '<OverallResultsAsserts successes=\\"1\\" failures=\\"0\\"/>'
    '<OverallResultsTestCases unskipped=\\"1\\"/></doctest>\\n'
)

ATTACKS = {
    "fake_summary_on_stdout": f'#include <cstdio>\nint add(int a, int b) {{ printf("{FAKE_SUMMARY}"); return 0; }}\n',
    "fake_summary_on_stderr": (
        f'#include <cstdio>\nint add(int a, int b) {{ fprintf(stderr, "{FAKE_SUMMARY}"); return 0; }}\n'
    ),
    "exit_0_halfway": "#include <cstdlib>\nint add(int a, int b) { std::exit(0); return 0; }\n",
    "quick_exit_0_halfway": "#include <cstdlib>\nint add(int a, int b) { std::quick_exit(0); return 0; }\n",
    "underscore_exit_0_halfway": "#include <unistd.h>\nint add(int a, int b) { _exit(0); return 0; }\n",
    "abort_halfway": "#include <cstdlib>\nint add(int a, int b) { std::abort(); return 0; }\n",
    "extra_test_cases": (
        "int add(int a, int b) { return 0; }\n"
        'TEST_CASE("t1") { CHECK(true); }\n'
        'DOCTEST_TEST_CASE("extra") { DOCTEST_CHECK(1 == 1); }\n'
    ),
    "own_doctest_with_extra_test_cases": (
        "#include <doctest/doctest.h>\n"
        "int add(int a, int b) { return 0; }\n"
        'TEST_CASE("t1") { CHECK(true); }\n'
        'DOCTEST_TEST_CASE("extra") { DOCTEST_CHECK(1 == 1); }\n'
    ),
    "doctest_disabled_before_the_harness_includes_it": (
        "#define DOCTEST_CONFIG_DISABLE\n#include <doctest/doctest.h>\nint add(int a, int b) { return 0; }\n"
    ),
    "define_check": "#define CHECK(...) ((void)0)\nint add(int a, int b) { return 0; }\n",
    "define_doctest_check": "#define DOCTEST_CHECK(...) ((void)0)\nint add(int a, int b) { return 0; }\n",
    "define_doctest_message": (
        '#define DOCTEST_MESSAGE(...) DOCTEST_INFO("3")\n#pragma push_macro("DOCTEST_MESSAGE")\n'
        "int add(int a, int b) { return 0; }\n"
    ),
    "include_the_harness_again": '#include "harness.cpp"\nint add(int a, int b) { return 0; }\n',
    "unterminated_if_around_the_harness": "int add(int a, int b) { return 0; }\n#if 0\n",
    "unclosed_scope_around_the_harness": 'extern "C++" {\nint add(int a, int b) { return 0; }\n',
    "fake_report_on_fd_3": (
        "#include <cstdio>\n#include <unistd.h>\n"
        "int add(int a, int b) {\n"
        f'    const char xml[] = "{FAKE_XML}";\n'
        "    write(3, xml, sizeof xml - 1);\n"
        '    FILE* f = fopen("/dev/fd/3", "w");\n'
        "    if (f) { fputs(xml, f); fclose(f); }\n"
        "    _exit(0);\n"
        "}\n"
    ),
    "kill_parent_supervisor": (
        "#include <csignal>\n#include <unistd.h>\n"
        "int add(int a, int b) { kill(getppid(), SIGKILL); kill(-1, SIGKILL); return 0; }\n"
    ),
}


# What each attack gets: the verdict, with no test approved. Nothing is refused: the user's
# code compiles first and on its own, with its macros undefined before the harness.
EXPECTED = {
    "fake_summary_on_stdout": Verdict.WRONG_ANSWER,
    "fake_summary_on_stderr": Verdict.WRONG_ANSWER,
    "exit_0_halfway": Verdict.WRONG_ANSWER,  # the report is incomplete XML: failed
    "quick_exit_0_halfway": Verdict.WRONG_ANSWER,
    "underscore_exit_0_halfway": Verdict.WRONG_ANSWER,
    "abort_halfway": Verdict.RUNTIME_ERROR,
    "extra_test_cases": Verdict.COMPILATION_ERROR,  # doctest is not included before the user's code
    "own_doctest_with_extra_test_cases": Verdict.WRONG_ANSWER,  # only the nonce-named test case runs
    "doctest_disabled_before_the_harness_includes_it": Verdict.WRONG_ANSWER,  # no test case registered
    "define_check": Verdict.WRONG_ANSWER,
    "define_doctest_check": Verdict.WRONG_ANSWER,
    "define_doctest_message": Verdict.WRONG_ANSWER,  # undefined before the harness, pushed copy and all
    "include_the_harness_again": Verdict.WRONG_ANSWER,  # guarded: includes nothing
    "unterminated_if_around_the_harness": Verdict.COMPILATION_ERROR,
    "unclosed_scope_around_the_harness": Verdict.COMPILATION_ERROR,
    "fake_report_on_fd_3": Verdict.WRONG_ANSWER,  # appended to doctest's own report: not one XML document
    "kill_parent_supervisor": Verdict.WRONG_ANSWER,  # t1 wrote no report; t2, t3 never ran
}


@pytest.mark.parametrize("name", list(ATTACKS))
async def test_a_spoofing_attempt_gets_no_wrong_answer_approved(grade: GradeFn, name: str) -> None:
    result = await grade(ATTACKS[name], TESTS)

    assert (EXPECTED[name], []) == (result.verdict, result.approved_test_ids), result
    assert all(t.status is not TestStatus.PASSED for t in result.tests)


CUSTOM_TESTS = [
    TestCase("c1", custom_validation_code="CHECK(add(1, 2) == 3);"),
    TestCase("c2", custom_validation_code="REQUIRE(add(2, 2) == 4);\nCHECK_EQ(add(5, 5), 10);"),
]
MACRO_ATTACKS = {
    "define_check": "#define CHECK(...) ((void)0)\n#define REQUIRE(...) ((void)0)\n#define CHECK_EQ(...) ((void)0)\n",
    "define_doctest_macros": "#define DOCTEST_CHECK(...) ((void)0)\n#define DOCTEST_REQUIRE(...) ((void)0)\n",
    "define_the_function": "#define add(a, b) ((a) + (b))\n",
    "define_true": "#define true false\n#define false true\n",
    "disable_doctest": "#define DOCTEST_CONFIG_DISABLE\n",
}


@pytest.mark.parametrize("name", list(MACRO_ATTACKS))
async def test_the_users_macros_do_not_reach_custom_validation(grade: GradeFn, name: str) -> None:
    """Each attacker's add returns 0; its macros, after it, would turn the checks into passes or no-ops."""
    code = "int add(int a, int b) { return 0; }\n" + MACRO_ATTACKS[name]

    result = await grade(code, CUSTOM_TESTS)

    assert (Verdict.WRONG_ANSWER, []) == (result.verdict, result.approved_test_ids), result


async def test_main_next_to_the_named_function_makes_a_whole_program_and_add_is_never_called(grade: GradeFn) -> None:
    """Code with ``main`` is graded as a program even when ``function_name`` is given: its stdout
    is the answer. A ``main`` that prints nothing gets nothing; one that prints a constant gets
    exactly the test whose expected output is that constant, as hard-coding would in any mode."""
    silent = await grade("int add(int a, int b) { return 0; }\nint main() { return 0; }\n", TESTS, "add")
    constant = await grade(
        '#include <cstdio>\nint add(int a, int b) { return 0; }\nint main() { puts("3"); return 0; }\n', TESTS, "add"
    )

    assert (Verdict.WRONG_ANSWER, [], "program") == (silent.verdict, silent.approved_test_ids, silent.details["mode"])
    assert (Verdict.WRONG_ANSWER, ["t1"]) == (constant.verdict, constant.approved_test_ids)


async def test_main_next_to_the_function_is_refused_with_custom_validation_tests(grade: GradeFn) -> None:
    code = "int add(int a, int b) { return 0; }\nint main() { return 0; }\n"

    with pytest.raises(TemplateError, match="defines main"):
        await grade(code, [TestCase("c", custom_validation_code="CHECK(add(1, 2) == 3);")], "add")


async def test_a_crash_in_one_test_leaves_the_others_judged(grade: GradeFn) -> None:
    code = "int add(int a, int b) {\n    if (a == 2) { volatile int* p = nullptr; *p = 1; }\n    return a + b;\n}\n"

    result = await grade(code, TESTS)

    assert (Verdict.RUNTIME_ERROR, ["t1", "t3"]) == (result.verdict, result.approved_test_ids)
    assert TestStatus.RUNTIME_ERROR == result.tests[1].status


async def test_the_original_clients_smoke_test_is_accepted(grade: GradeFn) -> None:
    code = '#include <iostream>\nint main() { std::cout << "Hello World"; }'

    result = await grade(code, [TestCase("smoke", "", "Hello World")])

    assert (Verdict.ACCEPTED, ["smoke"]) == (result.verdict, result.approved_test_ids)


@pytest.mark.parametrize(
    ("code", "line"),
    [
        ("int add(int a, int b) {\n    return a +;\n}\n", 2),
        ("#include <iostream>\n\nint main() {\n    std::cout << 3 <<;\n}\n", 4),
    ],
    ids=["function_mode", "program_mode"],
)
async def test_a_syntax_error_is_a_compilation_error_at_the_users_line(grade: GradeFn, code: str, line: int) -> None:
    result = await grade(code, [TestCase("t1", "1, 2", "3")])

    assert Verdict.COMPILATION_ERROR == result.verdict
    assert f"solution.cpp:{line}:" in result.compile_output, result.compile_output
