"""Errors as a Python user expects them, through the real sandbox."""

from __future__ import annotations

import pytest
from language_grading import GradeFn

from coderunner.domain.outcome import TestStatus, Verdict
from coderunner.domain.submission import Limits, Submission, TestCase
from coderunner.languages.python import PYTHON
from coderunner.sandbox.docker_sandbox import DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


ADD_TESTS = [TestCase("t1", "1, 2", "3"), TestCase("t2", "2, 2", "4")]


@pytest.mark.parametrize(
    ("code", "tests", "where"),
    [
        ("def add(a, b):\n    return a +\n", ADD_TESTS, 'File "solution.py", line 2'),
        ("n = int(input())\nprint(n +)\n", [TestCase("p", "1", "2")], 'File "solution.py", line 2'),
        (
            "def add(a, b):\n    return a + b\n",
            [TestCase("c", custom_validation_code="x = add(1, 2)\nassert x ==\n")],
            'File "tests[0].custom_validation_code", line 2',
        ),
        ("def add(a, b):\n    return a + b\n\nreturn 3\n", ADD_TESTS, 'File "solution.py", line 4'),
    ],
    ids=["function_mode", "program_mode", "custom_validation", "return_outside_function"],
)
async def test_a_syntax_error_is_a_compilation_error_at_the_users_line(
    grade: GradeFn, code: str, tests: list[TestCase], where: str
) -> None:
    result = await grade(code, tests)

    assert Verdict.COMPILATION_ERROR == result.verdict
    assert where in result.compile_output, result.compile_output
    assert "SyntaxError" in result.compile_output
    assert all(t.status is TestStatus.NOT_RUN for t in result.tests)


async def test_an_exception_is_a_runtime_error_with_the_users_frames_only(grade: GradeFn) -> None:
    code = "def add(a, b):\n    return helper(a)\n\n\ndef helper(a):\n    return a / 0\n"

    result = await grade(code, ADD_TESTS)

    assert Verdict.RUNTIME_ERROR == result.verdict
    first = result.tests[0]
    assert (TestStatus.RUNTIME_ERROR, "raised ZeroDivisionError: division by zero") == (first.status, first.message)
    assert 'File "solution.py", line 2, in add' in first.stderr
    assert 'File "solution.py", line 6, in helper' in first.stderr
    assert "/opt/coderunner" not in first.stderr, first.stderr


async def test_an_exception_in_a_whole_program_shows_its_own_traceback(grade: GradeFn) -> None:
    result = await grade(
        "values = [1]\nprint(values[int(input())])\n", [TestCase("ok", "0", "1"), TestCase("bad", "5", "")]
    )

    assert (Verdict.RUNTIME_ERROR, ["ok"]) == (result.verdict, result.approved_test_ids)
    bad = result.tests[1]
    assert "raised IndexError: list index out of range" == bad.message
    assert 'File "solution.py", line 2, in <module>' in bad.stderr
    assert "crpy" not in bad.stderr


@pytest.mark.parametrize(
    "code",
    [
        "def add(a, b):\n    return add(a, b)\n",
        "def add(a, b):\n    raise MemoryError\n",
        "def add(a, b):\n    block = []\n    while True:\n        block.append(bytearray(1 << 20))\n",
    ],
    ids=["recursion_error", "memory_error", "oom_killed"],
)
async def test_recursion_and_memory_exhaustion_are_memory_limit(grade: GradeFn, code: str) -> None:
    result = await grade(code, ADD_TESTS)

    assert (Verdict.MEMORY_LIMIT, []) == (result.verdict, result.approved_test_ids)
    assert TestStatus.MEMORY_LIMIT == result.tests[0].status


async def test_deep_but_finite_recursion_is_fine(grade: GradeFn) -> None:
    code = "def depth(n: int) -> int:\n    return 0 if n == 0 else 1 + depth(n - 1)\n"

    result = await grade(code, [TestCase("deep", "20000", "20000")])

    assert Verdict.ACCEPTED == result.verdict, result


async def test_an_endless_loop_is_a_timeout(sandbox: DockerSandbox, python_image: str) -> None:
    submission = Submission.create(
        language="python",
        code="def add(a, b):\n    while True:\n        pass\n",
        tests=ADD_TESTS,
        limits=Limits(timeout_s=2),
    )
    program = PYTHON.generate(submission)

    result = PYTHON.grade(submission, program, await sandbox.execute(program.job))

    assert (Verdict.TIMEOUT, TestStatus.TIMEOUT) == (result.verdict, result.tests[0].status)


async def test_printing_without_end_is_an_output_limit(grade: GradeFn) -> None:
    result = await grade("def add(a, b):\n    while True:\n        print('x' * 1000)\n", ADD_TESTS)

    assert (Verdict.OUTPUT_LIMIT, TestStatus.OUTPUT_LIMIT) == (result.verdict, result.tests[0].status)


async def test_importing_a_module_the_image_lacks_is_a_clear_compilation_error(grade: GradeFn) -> None:
    result = await grade("import numpy as np\n\ndef add(a, b):\n    return a + b\n", ADD_TESTS)

    assert Verdict.COMPILATION_ERROR == result.verdict
    assert 'File "solution.py", line 1' in result.compile_output
    assert "No module named 'numpy'" in result.compile_output
    assert "standard library" in result.compile_output


async def test_an_import_guarded_by_try_is_left_to_the_code(grade: GradeFn) -> None:
    code = "try:\n    import numpy\nexcept ImportError:\n    numpy = None\n\ndef add(a, b):\n    return a + b\n"

    result = await grade(code, ADD_TESTS)

    assert Verdict.ACCEPTED == result.verdict, result


async def test_a_failed_custom_assert_shows_the_expression_and_both_values(grade: GradeFn) -> None:
    code = "def add(a, b):\n    return a - b\n"
    check = "result = add(2, 3)\nassert result == 5\n"

    result = await grade(code, [TestCase("c", custom_validation_code=check)])

    failure = result.tests[0].failures[0]
    assert Verdict.WRONG_ANSWER == result.verdict
    assert ("result == 5", "5", "-1", 2) == (failure.expression, failure.expected, failure.actual, failure.line)
    assert "assert -1 == 5" in failure.message


async def test_an_exception_inside_a_custom_check_is_a_runtime_error(grade: GradeFn) -> None:
    code = "def add(a, b):\n    return {}[a]\n"

    result = await grade(code, [TestCase("c", custom_validation_code="assert add(1, 2) == 3")])

    assert (Verdict.RUNTIME_ERROR, "raised KeyError: 1") == (result.verdict, result.tests[0].message)
    assert 'File "tests[0].custom_validation_code", line 1' in result.tests[0].stderr


async def test_a_returned_object_is_reported_as_not_plain(grade: GradeFn) -> None:
    code = "class Point:\n    pass\n\ndef add(a, b):\n    return Point()\n"

    result = await grade(code, ADD_TESTS)

    assert Verdict.WRONG_ANSWER == result.verdict
    assert "returned an object of type solution.Point, not a plain value" == result.tests[0].message


async def test_the_runtime_version_is_reported(grade: GradeFn) -> None:
    result = await grade("def add(a, b):\n    return a + b\n", ADD_TESTS)

    assert result.compiler_version.startswith("Python 3.13.")


async def test_an_explicit_function_mode_never_runs_the_main_block(sandbox: DockerSandbox, python_image: str) -> None:
    code = "def add(a, b):\n    return a + b\n\nif __name__ == '__main__':\n    raise SystemExit(input())\n"
    submission = Submission.create(language="python", code=code, tests=ADD_TESTS, mode="function")
    program = PYTHON.generate(submission)

    result = PYTHON.grade(submission, program, await sandbox.execute(program.job))

    assert (Verdict.ACCEPTED, "function") == (result.verdict, result.details["mode"])
