"""The user's code means what it means on its own, through the real sandbox.

It compiles with exactly its own includes (precompiled headers only make that faster),
any identifier g++ accepts is the user's to take, and valid code is never a compilation
error because coderunner's C++ reader could not follow it. ``test_ground_truth.py``
checks the same against plain doctest on a whole set of exercises.
"""

from __future__ import annotations

import pytest
from language_grading import GradeFn

from coderunner.domain.outcome import ProcessStatus, TestStatus, Verdict
from coderunner.domain.sandbox_job import SandboxJob, Step
from coderunner.domain.submission import TestCase
from coderunner.languages.cpp import CPP, toolchain
from coderunner.sandbox.docker_sandbox import DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.verdicts, pytest.mark.timeout(120)]


async def test_a_custom_check_calls_the_students_own_strlen_not_the_c_librarys(grade: GradeFn) -> None:
    """With <bits/stdc++.h> in front of the code, ::strlen(const char*) won the overload
    resolution and this wrong solution was accepted."""
    code = "#include <string>\nint strlen(std::string s) { return s.size() + 1; }\n"

    result = await grade(code, [TestCase("c", custom_validation_code='CHECK(strlen("ab") == 2);')])

    assert (Verdict.WRONG_ANSWER, "3") == (result.verdict, result.tests[0].failures[0].actual)


@pytest.mark.parametrize(
    "code",
    [
        "#include <iostream>\nint j1 = 7;\nint y0 = 1;\nint f(int x) { return x + j1 - y0; }\n",
        "#include <vector>\nusing namespace std;\nint count = 0, left = 0, right = 6;\n"
        "int f(int x) { count++; return x + right - left; }\n",
        "#include <iostream>\nint round(double x) { return (int)(x + 0.5); }\n"
        "int f(int x) { return round(x + 6.2); }\n",
    ],
    ids=["bessel_names", "algorithm_and_ios_names", "round"],
)
async def test_names_of_headers_the_code_does_not_include_are_free(grade: GradeFn, code: str) -> None:
    result = await grade(code, [TestCase("t", "1", "7")], "f")

    assert (Verdict.ACCEPTED, ["t"]) == (result.verdict, result.approved_test_ids), result.compile_output


@pytest.mark.parametrize(
    "code",
    [
        "enum Level { INFO, WARN, FAIL };\nint f(int x) { return x > 0 ? FAIL : INFO; }\n",
        "#include <stdexcept>\n#define CHECK(c) if (!(c)) throw std::invalid_argument(#c)\n"
        "int f(int x) { CHECK(x > 0); return 2; }\n",
        "int CHECK(int x) { return x > 0 ? 2 : 0; }\nint f(int x) { return CHECK(x); }\n",
        "#include <bits/stdc++.h>\nusing namespace std;\n#define int long long\nint f(int x) { return x + 1; }\n",
    ],
    ids=["enum_values_named_like_doctest_macros", "own_check_macro", "function_named_check", "define_int"],
)
async def test_any_identifier_gcc_accepts_is_the_users(grade: GradeFn, code: str) -> None:
    """Before, the first three were refused as template errors ("belongs to the test framework")."""
    tests = [
        TestCase("io", "1", "2"),
        TestCase("custom", custom_validation_code="CHECK(f(1) == 2);\nREQUIRE(f(1) > 1);"),
    ]

    result = await grade(code, tests, "f")

    assert (Verdict.ACCEPTED, ["io", "custom"]) == (result.verdict, result.approved_test_ids), result


async def test_the_function_under_test_may_itself_be_called_check(grade: GradeFn) -> None:
    result = await grade("int CHECK(int x) { return 2 * x; }\n", [TestCase("t", "21", "42")])

    assert (Verdict.ACCEPTED, ["t"]) == (result.verdict, result.approved_test_ids)


TYPEID = (
    "#include <string>\n#include <typeinfo>\n"
    "template <class T> std::string kind(T x) {\n"
    '    return typeid(T) == typeid(int) ? "int" : "other";\n'
    "}\n"
)


async def test_valid_code_beyond_treesitters_grammar_is_graded(grade: GradeFn) -> None:
    result = await grade(TYPEID, [TestCase("int", "1", '"int"'), TestCase("other", "true", '"other"')])

    assert (Verdict.ACCEPTED, ["int", "other"]) == (result.verdict, result.approved_test_ids)


async def test_tests_that_do_not_fit_valid_unreadable_code_are_a_template_error(grade: GradeFn) -> None:
    """Before, a generated static_assert made this a compilation_error."""
    result = await grade(TYPEID, [TestCase("t", "1, 2", '"int"')])

    assert Verdict.TEMPLATE_ERROR == result.verdict
    assert result.error_message.startswith("the code compiles on its own, but coderunner's C++ reader could not")
    assert "kind takes 1 argument, the input has 2" in result.error_message
    assert [TestStatus.NOT_RUN] == [t.status for t in result.tests]


async def test_valid_code_where_no_function_can_be_found_is_a_template_error(grade: GradeFn) -> None:
    digraphs = "int twice(int x) <% return 2 * x; %>\n"

    result = await grade(digraphs, [TestCase("t", "1", "2")])

    assert (Verdict.TEMPLATE_ERROR, "") == (result.verdict, result.compile_output)
    assert "defines no function to call" in result.error_message


async def test_invalid_unreadable_code_is_a_compilation_error_at_the_users_line(grade: GradeFn) -> None:
    result = await grade("int twice(int x <% return 2 * x;\n", [TestCase("t", "1", "2")])

    assert Verdict.COMPILATION_ERROR == result.verdict
    assert "solution.cpp:1:" in result.compile_output


def _compile_job(source: str) -> SandboxJob:
    limits = CPP.default_limits
    argv = (toolchain.COMPILER, *toolchain.CXXFLAGS, f"-I{toolchain.PCH_DIR}", "-fsyntax-only", "-H", "t.cpp")
    return SandboxJob(
        image=toolchain.IMAGE,
        files={"t.cpp": source.encode()},
        compile=(Step("compile", argv),),
        compile_limits=limits.compile_step,
        run=(),
        run_limits=limits.run_step,
    )


async def test_the_images_precompiled_headers_are_used_by_a_first_include(sandbox: DockerSandbox) -> None:
    """g++ ignores a .gch built with other flags without a word: the image and
    toolchain.CXXFLAGS must agree. -H marks a precompiled header it used with "!"."""
    source = "#include <bits/stdc++.h>\n#include <vector>\n#include <string>\nint f();\n"

    run = await sandbox.execute(_compile_job(source))

    stderr = run.compile[0].stderr.decode()
    assert (ProcessStatus.SUCCESS, f"! {toolchain.PCH_DIR}/bits/stdc++.h.gch") == (
        run.compile[0].status,
        stderr.splitlines()[0],
    ), stderr


async def test_a_macro_that_changes_a_header_makes_gcc_read_the_real_one(grade: GradeFn) -> None:
    """The assertion macro reaches <vector>: the precompiled one, built without it, is not used."""
    code = "#define _GLIBCXX_ASSERTIONS 1\n#include <vector>\nint at(int i) { std::vector<int> v(2); return v[i]; }\n"

    result = await grade(code, [TestCase("inside", "1", "0"), TestCase("outside", "5", "0")])

    assert [TestStatus.PASSED, TestStatus.RUNTIME_ERROR] == [t.status for t in result.tests]
    assert "killed by SIGABRT" == result.tests[1].message
