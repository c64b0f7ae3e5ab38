"""The test program: a doctest harness after a function, or a whole program as it is.

A function-mode harness is one translation unit in which the user's code comes first,
so it compiles with exactly its own includes and means what it means on its own::

    #ifndef cr_<nonce>_harness                the rest, once only
    #define main cr_<nonce>_main              only for code with a main in explicit function mode
    #line 1 "solution.cpp"
    <the user's code, unchanged>             (its first #include may load a precompiled header)
    #undef <each macro the code defines>     macro_firewall.py
    template <class... A> auto cr_<nonce>_call(A&&... a) { return f(a...); }
    #include <doctest/doctest.h>
    DOCTEST_TEST_CASE("cr_<nonce>_<j>") { custom validation body }
    #include <string> ...                   what the code below needs
    namespace cr_<nonce> { show() }          support_code.py
    std::string cr_<nonce>_body_<i>() { arguments; call; return show(result); }
    DOCTEST_TEST_CASE("cr_<nonce>_<i>") { DOCTEST_MESSAGE(cr_<nonce>_body_<i>()); }
    #endif

A custom validation body sees what it would see in a plain doctest file after the
user's code (the user's declarations, doctest and its short macros) but none of the
user's macros. The generated tests after it name nothing the user could have declared
or defined: the user's function is reached only through ``cr_<nonce>_call``, written
before doctest's macros exist, so a function, enum value or type called ``CHECK``,
``INFO`` or ``FAIL`` is fine. They hold no expected values (the returned value is only
reported; grading compares it outside the process), and test ids never appear in the
program: doctest test cases are named from a per-submission nonce and the test's index.

When tree-sitter could not read all of the code (see ``signature.py``), the job first
compiles the user's code on its own, so g++, not our reader, decides whether it is
valid; a test program coderunner could not build or compile for valid code is then a
template error, never a compilation error (see ``Plan.doubt``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from coderunner.domain.submission import DEFAULT_TOLERANCE, Mode, Submission, Tolerance
from coderunner.errors import TemplateError
from coderunner.languages.cpp import macro_firewall, toolchain
from coderunner.languages.cpp.signature import SOLUTION_CLASS, Source, read_source
from coderunner.languages.cpp.support_code import support_code
from coderunner.languages.cpp.target import Case, Target, call, choose
from coderunner.languages.literals import parse_test, render

# What the support code and the generated tests use; more below when they name it.
_BASE_HEADERS = ("charconv", "cstddef", "cstdint", "cstdio", "string", "type_traits", "utility", "vector")
_HEADER_OF = {"array": "array", "deque": "deque", "list": "list", "map": "map", "multimap": "map",
              "multiset": "set", "optional": "optional", "pair": "utility", "set": "set",
              "string_view": "string_view", "tuple": "tuple", "unordered_map": "unordered_map",
              "unordered_multimap": "unordered_map", "unordered_multiset": "unordered_set",
              "unordered_set": "unordered_set"}  # fmt: skip
_STD_NAME = re.compile(r"\bstd::(\w+)")


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
    """How the job's steps map to tests, and what grading must know about them.

    ``doubt`` is set when coderunner's reader could not read all of the code: the job's
    first compile step then checks the user's code on its own. ``unbuilt`` is set when
    no test program could be made at all: that check is then the only step, and a pass
    means the tests, not the code, are the problem.
    """

    mode: Mode
    tests: tuple[PlannedTest, ...]
    target: str = ""  # the function under test, for messages
    doubt: str = ""
    unbuilt: str = ""


@dataclass(frozen=True)
class Harness:
    source: str  # harness.cpp, or the user's code alone when nothing could be built
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
    cases = [Case(test.id, *parse_test(test)) for test in submission.tests if not test.is_custom]
    doubt = _doubt(source)
    target: Target | None = None
    calls: dict[str, tuple[str, ...]] = {}
    try:
        if cases:
            target = choose(source, cases, submission.function_name)
            calls = {case.test_id: _call(target, case, nonce) for case in cases}
    except TemplateError as exc:
        if not doubt:
            raise
        # Our reader may have missed what g++ would see: g++ decides whether the code is valid.
        plan = _function_plan(submission, nonce, None, cases, doubt)
        return Harness(submission.code, Plan(plan.mode, plan.tests, doubt=doubt, unbuilt=str(exc)))
    text = _function_harness(submission, nonce, target, calls, has_main=source.has_main)
    return Harness(text, _function_plan(submission, nonce, target, cases, doubt))


def _doubt(source: Source) -> str:
    if not source.has_errors:
        return ""
    return f"coderunner's C++ reader could not follow the code from line {source.unreadable_line}"


def _call(target: Target, case: Case, nonce: str) -> tuple[str, ...]:
    try:
        return call(target, case, f"cr_{nonce}_call")
    except TemplateError as exc:
        raise TemplateError(exc.problem, case.test_id) from None


def _whole_program(submission: Submission) -> Harness:
    """The code is compiled as it is; each test feeds its input as stdin."""
    for test in submission.tests:
        if test.is_custom:
            raise TemplateError("custom_validation_code needs a function to call, but the code defines main", test.id)
    tests = tuple(PlannedTest(t.id, expected=t.expected_output) for t in submission.tests)
    return Harness(submission.code, Plan(Mode.PROGRAM, tests))


def _function_plan(
    submission: Submission, nonce: str, target: Target | None, cases: Sequence[Case], doubt: str
) -> Plan:
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
    return Plan(Mode.FUNCTION, tuple(tests), target.function.display if target else "", doubt=doubt)


def _function_harness(
    submission: Submission, nonce: str, target: Target | None, calls: dict[str, tuple[str, ...]], *, has_main: bool
) -> str:
    ns = f"cr_{nonce}"
    # The guard makes the harness empty when the user's code includes it again (as
    # "harness.cpp" or through /proc/self/fd): only directives precede the user's code,
    # so its first #include can still load a precompiled header.
    lines: list[str | _Foreign] = [f"#ifndef {ns}_harness", f"#define {ns}_harness"]
    # Function mode with a main: doctest's main runs the tests; the user's is renamed away.
    lines += [f"#define main {ns}_main"] if has_main else []
    lines.append(_Foreign(toolchain.SOLUTION_SOURCE, submission.code))
    lines += ["#undef main"] if has_main else []
    lines += macro_firewall.undef_lines(macro_firewall.defined_macros(submission.code))
    if target is not None:
        lines += _call_template(ns, target)
    lines.append("#include <doctest/doctest.h>")
    for index, test in enumerate(submission.tests):
        if test.is_custom:
            lines.append(f'DOCTEST_TEST_CASE("{case_name(nonce, index)}") {{')
            lines.append(_Foreign(_custom_file(index), test.custom_validation_code))
            lines.append("}")
    generated = [support_code(ns)] if calls else []
    for index, test in enumerate(submission.tests):
        if test.id in calls:
            body = [f"static std::string {ns}_body_{index}() {{"]
            body += [f"    {statement}" for statement in calls[test.id]]
            # Only what came back is reported; grading compares it with the expected value.
            body += [f"    return {ns}::show(cr_actual);", "}"]
            body.append(f'DOCTEST_TEST_CASE("{case_name(nonce, index)}") {{ DOCTEST_MESSAGE({ns}_body_{index}()); }}')
            generated.append("\n".join(body))
    if generated:
        lines += [f"#include <{header}>" for header in _headers(generated)]
        lines += generated
    lines.append(f"#endif  // {ns}_harness")
    return _join(lines)


def _call_template(ns: str, target: Target) -> list[str]:
    """The one place the generated tests name the user's function: before doctest's
    short macros exist, so no user name can collide with them."""
    if target.function.owner:
        call_it = f"{SOLUTION_CLASS} {ns}_s; return {ns}_s.{target.callee}"
    else:
        call_it = f"return {target.callee}"
    return [
        f"template <class... {ns}_A> auto {ns}_call({ns}_A&&... {ns}_a) {{",
        f"    {call_it}(static_cast<{ns}_A&&>({ns}_a)...);",
        "}",
    ]


def _headers(code: Sequence[str]) -> list[str]:
    named = {_HEADER_OF[name] for text in code for name in _STD_NAME.findall(text) if name in _HEADER_OF}
    return sorted(set(_BASE_HEADERS) | named)


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
