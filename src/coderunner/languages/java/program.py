"""The test program: a generated entry class around the user's method, or a whole program.

Function mode compiles the user's code as it is (in the file its public class names)
beside a generated ``CoderunnerTests.java`` (another name if the user's code has a
class of that name), whose ``call(index)`` the harness (``coderunner.Harness``) invokes::

    import java.util.*;
    import static org.junit.jupiter.api.Assertions.*;
    final class CoderunnerTests {
        private static boolean called;
        static Object call(int index) throws Throwable {
            if (called) throw new IllegalStateException("a test runs once");
            called = true;
            switch (index) { case 0: return t0(); case 1: c1(); return null; ... }
        }
        private static Object t0() throws Throwable { return new Solution().twoSum(new int[] {2, 7}, 9); }
        private static void c1() throws Throwable {
    assertArrayEquals(new int[] {0, 1}, new Solution().twoSum(new int[] {2, 7}, 9));  // a custom body, verbatim
        }
    }

It holds the tests' arguments and custom bodies, never the expected values of the
others nor the nonce: those stay outside the sandbox and on the harness's stack
(``docker/java/harness``). Its compiled files are moved out of the user's classes'
folder after javac (``toolchain.compile_steps``), so that under a custom body's security
manager the user's code cannot read them. Whole-program
mode compiles the code alone and runs its ``main`` through ``coderunner.ProgramMain``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coderunner.domain.submission import DEFAULT_TOLERANCE, Mode, Submission, TestCase, Tolerance
from coderunner.errors import TemplateError
from coderunner.languages.java import toolchain
from coderunner.languages.java.conversion import JavaType, java_value, parse_type
from coderunner.languages.java.source import SOLUTION_CLASS, Method, Source, read_source
from coderunner.languages.literals import Literal, parse_test, render


@dataclass(frozen=True)
class PlannedTest:
    """What grading needs to know about one test."""

    __test__ = False

    test_id: str
    call: str = ""  # for messages, e.g. twoSum([2, 7], 9)
    expected: str = ""  # the expected literal (canonical) or expected stdout
    expected_value: Literal | None = None
    tolerance: Tolerance = DEFAULT_TOLERANCE  # for returned floating-point numbers
    custom: bool = False  # a custom validation body (the body of a JUnit 5 test method)
    body: str = ""  # that body
    body_line: int = 0  # the line of the generated tests file its first line is on


@dataclass(frozen=True)
class Plan:
    mode: Mode
    tests: tuple[PlannedTest, ...]
    file_name: str  # the user's code's file, e.g. Solution.java
    nonce: str = ""
    target: str = ""  # the method under test, for messages
    main_class: str = ""  # whole-program mode
    tests_class: str = toolchain.TESTS_CLASS  # function mode's generated class


@dataclass(frozen=True)
class Generated:
    files: dict[str, str]  # workspace path → source
    plan: Plan


def build(submission: Submission, nonce: str) -> Generated:
    """The sources and plan for ``submission``; ``TemplateError`` when its tests cannot be a program.

    The mode is the submission's, or else told by the code: a class with
    ``public static void main(String[])`` makes it a whole program.
    """
    source = read_source(submission.code)
    mode = submission.mode or (Mode.PROGRAM if source.main_classes else Mode.FUNCTION)
    if mode is Mode.PROGRAM:
        return _whole_program(submission, source)
    tests_class = _tests_class(source)
    tests_file = f"{tests_class}.java"
    cases = [(test.id, *parse_test(test)) for test in submission.tests if not test.is_custom]
    for test in submission.tests:
        if test.is_custom:
            _check_custom(test)
    try:
        method, types = _choose(source, cases, submission.function_name) if cases else (None, ())
    except TemplateError as exc:
        if not source.has_errors:
            raise
        # tree-sitter saw broken code: let javac explain it rather than our reader.
        plan = Plan(Mode.FUNCTION, (), source.file_name, tests_class=tests_class)
        return Generated({source.file_name: submission.code, tests_file: _broken(tests_class, exc)}, plan)
    by_id = {case[0]: case for case in cases}
    header = _HEADER.format(tests_class=tests_class).splitlines()
    switch: list[str] = []
    methods: list[str] = []
    tests: list[PlannedTest] = []
    line = len(header) + len(submission.tests) + len(_FOOTER_OF_SWITCH) + 1  # where the test methods begin
    for index, test in enumerate(submission.tests):
        if test.is_custom:
            case, lines, planned = _custom_test(index, test, line)
        else:
            assert method is not None
            case, lines, planned = _value_test(index, test, by_id[test.id], method, types, submission)
        switch.append(f"            case {index}: {case}")
        methods += lines
        tests.append(planned)
        line += len(lines)
    entry = "\n".join([*header, *switch, *_FOOTER_OF_SWITCH, *methods, "}"]) + "\n"
    target = method.display if method else ""
    plan = Plan(Mode.FUNCTION, tuple(tests), source.file_name, nonce, target, tests_class=tests_class)
    return Generated({source.file_name: submission.code, tests_file: entry}, plan)


def _custom_test(index: int, test: TestCase, line: int) -> tuple[str, list[str], PlannedTest]:
    """The switch case, the method (starting at ``line`` of the file) and the plan of a custom body."""
    body = re.sub(r"\r\n?", "\n", test.custom_validation_code).rstrip("\n")  # javac's line breaks, counted alike
    lines = ["", f"    private static void c{index}() throws Throwable {{", *body.split("\n"), "    }"]
    return f"c{index}(); return null;", lines, PlannedTest(test.id, custom=True, body=body, body_line=line + 2)


def _value_test(
    index: int,
    test: TestCase,
    case: tuple[str, tuple[Literal, ...], Literal],
    method: Method,
    types: tuple[JavaType, ...],
    submission: Submission,
) -> tuple[str, list[str], PlannedTest]:
    """The switch case, the method and the plan of an input/expected test."""
    _, arguments, expected = case
    call = _call(method, types, arguments)
    lines = ["", f"    private static Object t{index}() throws Throwable {{", f"        return {call};", "    }"]
    shown = f"{method.name}({', '.join(map(render, arguments))})"
    planned = PlannedTest(test.id, shown, render(expected), expected, submission.tolerance_for(test))
    return f"return t{index}();", lines, planned


# The generated class never names the harness (which finds it by name): any name the
# user's code gives its own classes, even one of the harness's, still compiles. ``call``
# runs once, for the harness: the user's code (which may find the class by name) cannot
# run a body itself to read its expected value out of JUnit's message.
_HEADER = """import java.util.*;
import static org.junit.jupiter.api.Assertions.*;

final class {tests_class} {{
    private static boolean called;

    static Object call(int index) throws Throwable {{
        if (called) throw new IllegalStateException("a test runs once");
        called = true;
        switch (index) {{"""
_FOOTER_OF_SWITCH = (
    '            default: throw new IllegalArgumentException("no test " + index);',
    "        }",
    "    }",
)
_ASSERTION = re.compile(r"\b(?:assert[A-Z]\w*|fail)\s*\(")


def _tests_class(source: Source) -> str:
    """``CoderunnerTests``, or a name none of the user's top-level types has."""
    name, number = toolchain.TESTS_CLASS, 1
    while name in source.types:
        name, number = f"{toolchain.TESTS_CLASS}{number}", number + 1
    return name


def _check_custom(test: TestCase) -> None:
    """A custom body must call a JUnit assertion (or ``fail``), or it checks nothing."""
    if not _ASSERTION.search(test.custom_validation_code):
        raise TemplateError(
            "custom_validation_code calls no JUnit 5 assertion (assertEquals, assertTrue, assertThrows, fail, ...), "
            "so it can check nothing",
            test.id,
        )


def _whole_program(submission: Submission, source: Source) -> Generated:
    for test in submission.tests:
        if test.is_custom:
            raise TemplateError(
                "custom_validation_code needs a method to call, but the code is graded as a whole program "
                '(it has a public static void main(String[]), or the request asked for "program")',
                test.id,
            )
    if not source.main_classes:
        raise TemplateError("program mode runs a class's public static void main(String[]), but the code has none")
    main = source.public_type if source.public_type in source.main_classes else source.main_classes[0]
    file_name = source.file_name if source.public_type else f"{main}.java"
    tests = tuple(PlannedTest(t.id, expected=t.expected_output) for t in submission.tests)
    return Generated({file_name: submission.code}, Plan(Mode.PROGRAM, tests, file_name, main_class=main))


def _choose(
    source: Source, cases: list[tuple[str, tuple[Literal, ...], Literal]], function_name: str | None
) -> tuple[Method, tuple[JavaType, ...]]:
    """The method the tests call: by ``function_name``, else the only (public) one; then
    among its overloads the first whose parameters take every test's literals."""
    methods = [m for m in source.methods if m.return_text != "void"]
    if not methods:
        raise TemplateError(
            f"found no method to test: write class {SOLUTION_CLASS} {{ public <type> name(...) {{ ... }} }} "
            "or a static method that returns a value"
        )
    if function_name:
        methods = [m for m in methods if m.name == function_name]
        if not methods:
            raise TemplateError(f"found no method named {function_name!r} that returns a value")
    else:
        names = sorted({m.name for m in methods})
        public = sorted({m.name for m in methods if m.public})
        if len(names) > 1 and len(public) != 1:
            raise TemplateError(f"several methods could be the one under test ({', '.join(names)}): set function_name")
        chosen = names[0] if len(names) == 1 else public[0]
        methods = [m for m in methods if m.name == chosen]
    problems: list[str] = []
    for method in methods:
        try:
            types = tuple(parse_type(p.type_text) for p in method.parameters)
            for test_id, arguments, _ in cases:
                try:
                    _arguments(method, types, arguments)
                except TemplateError as exc:
                    raise TemplateError(exc.problem, test_id) from None
            return method, types
        except TemplateError as exc:
            problems.append(exc.problem)
            last = exc
    if len(methods) == 1:
        raise last
    raise TemplateError(f"no overload of {methods[0].name} takes every test's input: {'; '.join(problems)}")


def _arguments(method: Method, types: tuple[JavaType, ...], arguments: tuple[Literal, ...]) -> list[str]:
    if len(arguments) != len(types):
        raise TemplateError(f"{method.name} takes {len(types)} arguments, the input has {len(arguments)}")
    values = []
    for index, (kind, literal) in enumerate(zip(types, arguments, strict=True)):
        try:
            values.append(java_value(kind, literal))
        except TemplateError as exc:
            name = method.parameters[index].name or f"#{index + 1}"
            raise TemplateError(f"argument {index + 1} ({name}): {exc.problem}") from None
    return values


def _call(method: Method, types: tuple[JavaType, ...], arguments: tuple[Literal, ...]) -> str:
    receiver = method.owner if method.static else f"new {method.owner}()"
    return f"{receiver}.{method.name}({', '.join(_arguments(method, types, arguments))})"


def _broken(tests_class: str, problem: TemplateError) -> str:
    """A class that cannot compile, whose error (after javac's about the user's code)
    says why there is nothing to test."""
    message = f"coderunner found no method to test: {problem.problem}".replace("\\", "\\\\").replace('"', "'")
    return f'final class {tests_class} {{\n    int problem = "{message}";\n}}\n'
