"""Java through the real sandbox: the verdicts of the plain cases, one by one."""

from __future__ import annotations

from dataclasses import replace

import pytest
from language_grading import GradeFn

from coderunner.domain.outcome import TestStatus, Verdict
from coderunner.domain.submission import TestCase
from coderunner.languages.java import JAVA

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


ADD = [TestCase("t1", "1, 2", "3"), TestCase("t2", "-5, 5", "0")]


async def test_a_solution_method_is_called_once_per_test(grade: GradeFn) -> None:
    code = "class Solution {\n    public int add(int a, int b) { return a + b; }\n}\n"

    result = await grade(code, ADD)

    assert (result.verdict, result.approved_test_ids) == (Verdict.ACCEPTED, ["t1", "t2"]), result
    assert result.compiler_version.startswith("OpenJDK 21")


async def test_javac_errors_name_the_users_file_and_line(grade: GradeFn) -> None:
    code = "class Solution {\n    public int add(int a, int b) {\n        return a + b\n    }\n}\n"

    result = await grade(code, ADD)

    assert Verdict.COMPILATION_ERROR == result.verdict, result
    assert "Solution.java:3: error: ';' expected" in result.compile_output
    assert ["not_run", "not_run"] == [t.status.value for t in result.tests]


async def test_an_uncaught_exception_is_a_runtime_error_with_the_users_frames_only(grade: GradeFn) -> None:
    code = (
        "class Solution {\n"
        "    public int add(int a, int b) { return helper(a) + b; }\n"
        '    private int helper(int a) { if (a < 0) throw new IllegalStateException("negative"); return a; }\n'
        "}\n"
    )

    result = await grade(code, ADD)

    assert (Verdict.RUNTIME_ERROR, ["t1"]) == (result.verdict, result.approved_test_ids), result
    failed = result.tests[1]
    assert TestStatus.RUNTIME_ERROR == failed.status
    assert "threw java.lang.IllegalStateException: negative" == failed.message
    trace = failed.stderr.splitlines()
    assert "java.lang.IllegalStateException: negative" == trace[0]
    assert ["\tat Solution.helper(Solution.java:3)", "\tat Solution.add(Solution.java:2)"] == trace[1:]


@pytest.mark.parametrize(
    "body",
    [
        "return add(a, b);",  # unbounded recursion: StackOverflowError
        "long[][] keep = new long[1 << 20][]; for (int i = 0; ; i++) keep[i] = new long[1 << 16];",
    ],
    ids=["stack_overflow", "out_of_memory"],
)
async def test_running_out_of_stack_or_heap_is_a_memory_limit(grade: GradeFn, body: str) -> None:
    code = f"class Solution {{\n    public int add(int a, int b) {{ {body} }}\n}}\n"

    result = await grade(code, ADD[:1])

    assert Verdict.MEMORY_LIMIT == result.verdict, result
    assert TestStatus.MEMORY_LIMIT == result.tests[0].status


async def test_a_method_that_never_returns_times_out(grade: GradeFn) -> None:
    code = "class Solution {\n    public int add(int a, int b) { while (true) { } }\n}\n"

    result = await grade(code, [TestCase("t1", "1, 2", "3")], limits=replace(JAVA.default_limits, timeout_s=3))

    assert Verdict.TIMEOUT == result.verdict, result


async def test_a_whole_program_reads_stdin_whatever_its_class_is_called(grade: GradeFn) -> None:
    code = (
        "import java.util.Scanner;\n\n"
        "public class Adder {\n"
        "    public static void main(String[] args) {\n"
        "        Scanner in = new Scanner(System.in);\n"
        "        System.out.println(in.nextInt() + in.nextInt());\n"
        "    }\n"
        "}\n"
    )
    tests = [TestCase("t1", "1 2\n", "3\n"), TestCase("t2", "5 5", "10"), TestCase("t3", "1 1", "3")]

    result = await grade(code, tests)

    assert (Verdict.WRONG_ANSWER, ["t1", "t2"]) == (result.verdict, result.approved_test_ids), result
    assert "program" == result.details["mode"]


async def test_a_whole_program_that_throws_is_a_runtime_error(grade: GradeFn) -> None:
    code = (
        "class Main {\n"
        "    public static void main(String[] args) {\n"
        '        throw new RuntimeException("boom");\n'
        "    }\n"
        "}\n"
    )

    result = await grade(code, [TestCase("t1", "", "")])

    assert Verdict.RUNTIME_ERROR == result.verdict, result
    assert "threw java.lang.RuntimeException: boom" == result.tests[0].message
    assert "\tat Main.main(Main.java:3)" in result.tests[0].stderr
