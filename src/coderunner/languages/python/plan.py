"""A Python submission as a sandbox job: which mode, which function, what each test
process reads, and what grading will need (the Plan).

Function mode: each test is its own ``python3`` process running the harness
(docker/python/crpy/function.py), which reads its test from stdin (the call's
arguments as Python values, or a custom validation body) and reports on fd 3 under a
nonce of its own. The expected values stay here, in the Plan: they never enter the
sandbox. Whole-program mode: each test runs solution.py with the test's input as stdin.
"""

from __future__ import annotations

import ast
import marshal
import secrets
from dataclasses import dataclass

from coderunner.domain.sandbox_job import SandboxJob, Step
from coderunner.domain.submission import DEFAULT_TOLERANCE, Mode, Submission, TestCase, Tolerance
from coderunner.errors import TemplateError
from coderunner.languages.literals import Literal, parse_test, render
from coderunner.languages.program_output import stdin_runs
from coderunner.languages.python import toolchain
from coderunner.languages.python.source import Hint, Source, choose, read_source
from coderunner.languages.python.spellings import shared_syntax
from coderunner.languages.python.values import PythonValue, expected_value, python_arguments


@dataclass(frozen=True)
class PlannedTest:
    """What grading needs to know about one test."""

    test_id: str
    nonce: str = ""  # what this test's report must carry (function mode)
    custom: bool = False
    call: str = ""  # for messages, e.g. twoSum([2, 7], 9)
    expected: str = ""  # the expected literal (canonical), or the expected stdout
    expected_value: Literal | None = None
    tolerance: Tolerance = DEFAULT_TOLERANCE  # for returned floating-point numbers


@dataclass(frozen=True)
class Plan:
    mode: Mode
    tests: tuple[PlannedTest, ...]
    target: str = ""  # the function under test, for messages
    unreadable: bool = False  # the host's parser refused the code; only the build step runs


@dataclass(frozen=True)
class _Case:
    test: TestCase
    arguments: tuple[Literal, ...]
    expected: Literal


def plan_job(submission: Submission, nonce: str | None = None) -> tuple[SandboxJob, Plan]:
    """The job and Plan for ``submission``; ``TemplateError`` when its tests cannot be run.

    ``nonce`` seeds the per-test nonces (random by default)."""
    source = read_source(submission.code)
    if submission.mode is Mode.PROGRAM or (submission.mode is None and source.parsed and source.program):
        return _program(submission)
    if not source.parsed:
        # Let the sandbox's python3 explain the syntax error, at the user's own line.
        tests = tuple(PlannedTest(t.id) for t in submission.tests)
        return _job(submission, {}, (), ()), Plan(Mode.FUNCTION, tests, unreadable=True)
    return _function(submission, source, nonce)


def _program(submission: Submission) -> tuple[SandboxJob, Plan]:
    for test in submission.tests:
        if test.is_custom:
            raise TemplateError(
                "custom_validation_code needs a function to call, but the code is graded as a whole program "
                "(it reads or prints at the top level, has a __main__ block or defines nothing; "
                'or the request asked for "program")',
                test.id,
            )
    files, run = stdin_runs(submission.tests, toolchain.program_argv())
    tests = tuple(PlannedTest(t.id, expected=t.expected_output) for t in submission.tests)
    return _job(submission, files, (), run), Plan(Mode.PROGRAM, tests)


def _function(submission: Submission, source: Source, seed: str | None) -> tuple[SandboxJob, Plan]:
    cases = {t.id: _Case(t, *parse_test(t, shared_syntax)) for t in submission.tests if not t.is_custom}
    target = choose(source, [len(c.arguments) for c in cases.values()], submission.function_name) if cases else None
    files: dict[str, bytes] = {}
    body: dict[str, object]
    run: list[Step] = []
    tests: list[PlannedTest] = []
    for index, test in enumerate(submission.tests):
        nonce = f"{seed}{index:x}" if seed else secrets.token_hex(16)
        if test.is_custom:
            _check_custom(test)
            body = {"custom": {"code": test.custom_validation_code, "file": toolchain.custom_file(index)}}
            tests.append(PlannedTest(test.id, nonce, custom=True))
        else:
            assert target is not None
            case = cases[test.id]
            hints = [h for _, h in target.parameters]
            body = {"target": {"name": target.name, "owner": target.owner}, "args": _arguments(test, case, hints)}
            expected = expected_value(case.expected, target.returns)
            shown = f"{target.name}({', '.join(render(a) for a in case.arguments)})"
            tolerance = submission.tolerance_for(test)
            tests.append(
                PlannedTest(
                    test.id, nonce, call=shown, expected=render(expected), expected_value=expected, tolerance=tolerance
                )
            )
        # marshal: the harness reads builtins without importing anything (marshal, version 4,
        # reads the same in every Python 3); nothing is ever unmarshalled from the sandbox.
        files[toolchain.test_file(index)] = marshal.dumps(body, 4)
        run.append(
            Step(f"test-{index}", toolchain.function_argv(nonce), stdin_path=toolchain.test_file(index), report=True)
        )
    custom = tuple(i for i, t in enumerate(submission.tests) if t.is_custom)
    plan = Plan(Mode.FUNCTION, tuple(tests), target.display if target else "")
    return _job(submission, files, custom, tuple(run)), plan


def _arguments(test: TestCase, case: _Case, hints: list[Hint]) -> tuple[PythonValue, ...]:
    try:
        return python_arguments(case.arguments, hints)
    except TemplateError as exc:
        raise TemplateError(f"input: {exc.problem}", test.id) from None


def _check_custom(test: TestCase) -> None:
    """A custom body must assert something; one that does not parse is left to the build
    step, which reports the syntax error at the user's line."""
    try:
        tree = ast.parse(test.custom_validation_code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    if not any(isinstance(node, ast.Assert) for node in ast.walk(tree)):
        raise TemplateError("custom_validation_code has no assert statement, so it can check nothing", test.id)


def _job(submission: Submission, files: dict[str, bytes], custom: tuple[int, ...], run: tuple[Step, ...]) -> SandboxJob:
    limits = submission.limits
    return SandboxJob(
        image=toolchain.IMAGE,
        files={toolchain.SOLUTION_SOURCE: submission.code.encode(), **files},
        compile=(Step("compile", toolchain.check_argv(custom)),),
        compile_limits=limits.compile_step,
        run=run,
        run_limits=limits.run_step,
    )
