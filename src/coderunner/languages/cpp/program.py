"""The test program: a doctest harness around a function, or a whole program as it is.

A function-mode harness is one translation unit, laid out so that the user's code can
change neither the tests nor their verdicts::

    #include <coderunner/prelude.h>          precompiled <bits/stdc++.h> + doctest
    #ifndef cr_<nonce>_harness               the rest, once only
    namespace cr_<nonce> { show() }          support_code.py
    template <class Tag> void cr_<nonce>_body_<i>() { arguments; call; DOCTEST_MESSAGE(show(result)) }
    DOCTEST_TEST_CASE("cr_<nonce>_<i>") { cr_<nonce>_run_<i>(); }
    #pragma push_macro(...)                  macro_firewall.py
    #line 1 "solution.cpp"
    <the user's code, unchanged>
    #pragma pop_macro(...)
    template <> struct cr_<nonce>_call<cr_<nonce>_tag> { invoke(a...) → user function }
    void (*cr_<nonce>_run_<i>)() = &cr_<nonce>_body_<i><cr_<nonce>_tag>;
    DOCTEST_TEST_CASE("cr_<nonce>_<j>") { custom validation body }
    #endif

Input/expected tests sit before the user's code, so its macros cannot reach them; the
call's class template is specialised only after it, and the bodies are instantiated
only there, through the function pointers. The tail holds no expected values and only
names the user cannot know. Test ids never appear in the program: doctest test cases
are named from a per-submission nonce and the test's index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coderunner.domain.submission import DEFAULT_TOLERANCE, Mode, Submission, TestCase, Tolerance
from coderunner.errors import TemplateError
from coderunner.languages.cpp import macro_firewall, toolchain
from coderunner.languages.cpp.conversion import cpp_string_literal
from coderunner.languages.cpp.screening import screen
from coderunner.languages.cpp.signature import SOLUTION_CLASS, read_source
from coderunner.languages.cpp.support_code import support_code
from coderunner.languages.cpp.target import Case, Target, call, choose
from coderunner.languages.literals import parse_arguments, parse_value, render


@dataclass(frozen=True)
class PlannedTest:
    """What grading needs to know about one test of the generated program."""

    test_id: str
    case_name: str = ""  # the doctest test case (function mode)
    custom: bool = False
    call: str = ""  # for messages, e.g. twoSum([2, 7], 9)
    expected: str = ""  # the expected literal (canonical) or expected stdout
    tolerance: Tolerance = DEFAULT_TOLERANCE  # for returned floating-point numbers


@dataclass(frozen=True)
class Plan:
    mode: Mode
    tests: tuple[PlannedTest, ...]
    target: str = ""  # the function under test, for messages


@dataclass(frozen=True)
class Harness:
    source: str
    plan: Plan


def case_name(nonce: str, index: int) -> str:
    return f"cr_{nonce}_{index}"


def _custom_file(index: int) -> str:
    """The file name compiler messages and reports give a custom validation body."""
    return f"tests[{index}].custom_validation_code"


def build(submission: Submission, nonce: str) -> Harness:
    """The program for ``submission``; ``TemplateError`` when its tests cannot be one.

    The mode is the submission's, or else told by the code: with a ``main`` it is a whole
    program, without one a function. An explicit program mode needs a ``main``; in an
    explicit function mode a ``main`` (kept for trying the code locally) is compiled
    under another name and never run.
    """
    source = read_source(submission.code)
    mode = submission.mode or (Mode.PROGRAM if source.has_main else Mode.FUNCTION)
    if mode is Mode.PROGRAM:
        if not source.has_main:
            raise TemplateError("program mode runs the code's main, but it defines none")
        return _whole_program(submission)
    screen(submission.code)
    cases = [_parse(index, test) for index, test in enumerate(submission.tests) if not test.is_custom]
    target: Target | None = None
    calls: dict[str, tuple[str, ...]] = {}
    try:
        if cases:
            target = choose(source, cases, submission.function_name)
            calls = {case.test_id: _call(target, case, nonce) for case in cases}
    except TemplateError as exc:
        if not source.has_errors:
            raise
        # tree-sitter saw broken code: let the compiler explain it rather than our reader.
        return Harness(_broken(submission.code, exc), _function_plan(submission, nonce, None, cases))
    text = _function_harness(submission, nonce, target, calls, has_main=source.has_main)
    return Harness(text, _function_plan(submission, nonce, target, cases))


def _parse(index: int, test: TestCase) -> Case:
    try:
        arguments = parse_arguments(test.input)
    except TemplateError as exc:
        raise TemplateError(f"input: {exc.problem}", test.id) from None
    try:
        expected = parse_value(test.expected_output)
    except TemplateError as exc:
        raise TemplateError(f"expected_output: {exc.problem}", test.id) from None
    return Case(test.id, arguments, expected)


def _call(target: Target, case: Case, nonce: str) -> tuple[str, ...]:
    try:
        return call(target, case, f"cr_{nonce}_call<Tag>::invoke")
    except TemplateError as exc:
        raise TemplateError(exc.problem, case.test_id) from None


def _whole_program(submission: Submission) -> Harness:
    """The code is compiled as it is; each test feeds its input as stdin."""
    for test in submission.tests:
        if test.is_custom:
            raise TemplateError("custom_validation_code needs a function to call, but the code defines main", test.id)
    tests = tuple(PlannedTest(t.id, expected=t.expected_output) for t in submission.tests)
    return Harness(submission.code, Plan(Mode.PROGRAM, tests))


def _function_plan(submission: Submission, nonce: str, target: Target | None, cases: Sequence[Case]) -> Plan:
    by_id = {case.test_id: case for case in cases}
    callee = target.function.name if target else "?"
    tests = []
    for index, test in enumerate(submission.tests):
        name = case_name(nonce, index)
        if case := by_id.get(test.id):
            shown_call = f"{callee}({', '.join(render(a) for a in case.arguments)})"
            tolerance = submission.tolerance_for(test)
            tests.append(
                PlannedTest(test.id, name, call=shown_call, expected=render(case.expected), tolerance=tolerance)
            )
        else:
            tests.append(PlannedTest(test.id, name, custom=True))
    return Plan(Mode.FUNCTION, tuple(tests), target.function.display if target else "")


def _function_harness(
    submission: Submission, nonce: str, target: Target | None, calls: dict[str, tuple[str, ...]], *, has_main: bool
) -> str:
    ns = f"cr_{nonce}"
    # The guard makes the harness empty when the user's code includes it again (as
    # "harness.cpp" or through /proc/self/fd), where its own macros would apply to it.
    lines: list[str | _Foreign] = [f"#include <{toolchain.PRELUDE_INCLUDE}>", f"#ifndef {ns}_harness"]
    lines += [f"#define {ns}_harness", support_code(ns)]
    lines += [f"template <class T> struct {ns}_call;", f"struct {ns}_tag {{}};"]
    for index, test in enumerate(submission.tests):
        if test.id in calls:
            lines.append(f"template <class Tag> void {ns}_body_{index}() {{")
            lines += [f"    {statement}" for statement in calls[test.id]]
            # Only what came back is reported; grading compares it with the expected value.
            lines.append(f"    DOCTEST_MESSAGE({ns}::show(cr_actual));")
            lines.append("}")
            lines.append(f"extern void (*{ns}_run_{index})();")
            lines.append(f'DOCTEST_TEST_CASE("{case_name(nonce, index)}") {{ {ns}_run_{index}(); }}')
    tail = _tail(submission, nonce, target, calls)
    names = macro_firewall.firewall_names([*tail, *(t.custom_validation_code for t in submission.tests)])
    lines += macro_firewall.push_lines(names)
    # Function mode with a main: doctest's main runs the tests; the user's is renamed away.
    lines += [f"#define main {ns}_main"] if has_main else []
    lines.append(_Foreign(toolchain.SOLUTION_SOURCE, submission.code))
    lines += ["#undef main"] if has_main else []
    lines += macro_firewall.pop_lines(names)
    lines += tail
    for index, test in enumerate(submission.tests):
        if test.is_custom:
            lines.append(f'DOCTEST_TEST_CASE("{case_name(nonce, index)}") {{')
            lines.append(_Foreign(_custom_file(index), test.custom_validation_code))
            lines.append("}")
    lines.append(f"#endif  // {ns}_harness")
    return _join(lines)


def _tail(submission: Submission, nonce: str, target: Target | None, calls: dict[str, tuple[str, ...]]) -> list[str]:
    """The call into the user's code, after it: nonce'd names and keywords only."""
    if target is None:
        return []
    ns = f"cr_{nonce}"
    if target.function.owner:
        instance = f"{SOLUTION_CLASS} {ns}_s; return {ns}_s.{target.callee}"
    else:
        instance = f"return {target.callee}"
    lines = [
        f"template <> struct {ns}_call<{ns}_tag> {{",
        f"    template <class... {ns}_A> static auto invoke({ns}_A&&... {ns}_a) {{",
        f"        {instance}(static_cast<{ns}_A&&>({ns}_a)...);",
        "    }",
        "};",
    ]
    for index, test in enumerate(submission.tests):
        if test.id in calls:
            lines.append(f"void (*{ns}_run_{index})() = &{ns}_body_{index}<{ns}_tag>;")
    return lines


def _broken(code: str, problem: TemplateError) -> str:
    """The user's code and a static_assert that explains, after the compiler's errors,
    why there is nothing to test: the program can never compile."""
    message = cpp_string_literal(f"coderunner found no function to test: {problem.problem}".encode())
    lines: list[str | _Foreign] = [f"#include <{toolchain.PRELUDE_INCLUDE}>", _Foreign(toolchain.SOLUTION_SOURCE, code)]
    lines.append(f"static_assert(false, {message});")
    return _join(lines)


@dataclass(frozen=True)
class _Foreign:
    """Code that is not ours (the submission, a custom body), compiled under its own name."""

    file: str
    text: str


def _join(parts: list[str | _Foreign]) -> str:
    """Join the harness; around foreign code, ``#line`` directives make compiler messages
    name the user's own lines, then harness.cpp's real ones again."""
    out: list[str] = []
    lines = 0  # physical lines in out so far
    for part in parts:
        # The empty line after foreign code ends a trailing backslash or // comment before our directive.
        chunk = [part] if isinstance(part, str) else [f'#line 1 "{part.file}"', part.text, ""]
        out += chunk
        lines += sum(text.count("\n") + 1 for text in chunk)
        if isinstance(part, _Foreign):
            out.append(f'#line {lines + 2} "{toolchain.HARNESS_SOURCE}"')
            lines += 1
    return "\n".join(out) + "\n"
