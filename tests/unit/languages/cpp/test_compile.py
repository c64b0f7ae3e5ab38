"""Generated programs compile and grade as intended with a real g++ and doctest.

Every scenario is generated, compiled, run and graded once, in parallel, by the module's
fixture; the tests read the Grades. Skipped where the host has no g++ or doctest.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from coderunner.domain.outcome import Grade, TestOutcome, TestStatus, Verdict
from coderunner.domain.submission import Submission, TestCase
from coderunner.languages.cpp.conversion import cpp_string_literal

SOLUTION = """#include <bits/stdc++.h>
#include "harness.cpp"  // inert: the harness is guarded against a second inclusion
using namespace std;
typedef long long ll;
bool isPositive(int x) { return x > 0; }
class Solution {
public:
    ll total(vector<ll>& values, int mode) {
        if (mode == 1) throw out_of_range("bad index");
        if (mode == 2) { volatile int* p = nullptr; return *p; }
        if (mode == 3) { puts("[doctest] test cases: 1 | 1 passed | 0 failed"); fflush(stdout); exit(0); }
        if (mode == 4) quick_exit(0);
        if (mode == 5) abort();
        return accumulate(values.begin(), values.end(), 0LL);
    }
};
#define true false
"""
IDENTITY = """#include <string>
#include <vector>
namespace std {  // tries to make every comparison of these types succeed
inline bool operator==(const string&, const string&) { return true; }
inline bool operator==(const vector<bool>&, const vector<bool>&) { return true; }
}
template <class T> T same_value(const T& value) { return value; }"""
TRICKY = ['"', "\\", "\n", "*/", "/*", "\\n", "'", "??/", "\x01\x7f", "é€😀", "\\042", 'a"b\\"c', "x\\"]
PROGRAM = """#include <iostream>
int main() {
    long long a, b;
    if (!(std::cin >> a >> b)) return 3;
    if (b == 0) { volatile int* p = nullptr; return *p; }
    std::cout << a / b << "  \\n" << "done\\n\\n";
}"""
SCENARIOS = {
    "solution": Submission.create(
        language="cpp",
        code=SOLUTION,
        tests=[
            TestCase("pass", "[1, 2, 3], 0", "6"),
            TestCase("wrong", "[1, 2], 0", "4"),
            TestCase("big", "[3000000000, 3000000000], 0", "6000000000"),
            TestCase("throws", "[1], 1", "0"),
            TestCase("segfault", "[1], 2", "0"),
            TestCase("exit0", "[1], 3", "0"),
            TestCase("quick_exit", "[1], 4", "0"),
            TestCase("abort", "[1], 5", "0"),
            TestCase("custom-pass", custom_validation_code="CHECK(isPositive(3) == true);"),
            TestCase("custom-firewall", custom_validation_code="CHECK(isPositive(-1) == true);"),
        ],
    ),
    # One function template, instantiated for each literal's type.
    "identity": Submission.create(
        language="cpp",
        code=IDENTITY,
        tests=[TestCase(f"echo-{i}", json.dumps(s), json.dumps(s)) for i, s in enumerate(TRICKY)]
        + [
            TestCase("mismatch", '"a"', '"a\\"\\n"'),
            TestCase("close", "0.5", "0.5000001"),
            TestCase("far", "0.5", "0.6"),
            TestCase("nested", '[["a", "b"], []]', '[["a", "b"], []]'),
            TestCase("doubles", "[0.1, 0.2]", "[0.1000001, 0.2]"),
            TestCase("flags", "[true, false]", "[true, true]"),
            TestCase("char", "'\\n'", "'\\n'"),
        ],
    ),
    "program": Submission.create(
        language="cpp",
        code=PROGRAM,
        tests=[
            TestCase("ok", "7 2", "3\ndone"),
            TestCase("wrong", "8 2", "3\ndone"),
            TestCase("no-input", "", "0"),
            TestCase("crash", "1 0", "0"),
        ],
    ),
    "syntax-error": Submission.create(
        language="cpp", code="int f(int x) {\n  return x +;\n}\n", tests=[TestCase("t", "1", "1")]
    ),
    "unreadable": Submission.create(
        language="cpp", code="int f(int x {\n  return x;\n", tests=[TestCase("t", "1", "1")]
    ),
}


@pytest.fixture(scope="module")
def grades(host_grader: Callable[[Submission], Grade]) -> dict[str, Grade]:
    with ThreadPoolExecutor() as pool:
        return dict(zip(SCENARIOS, pool.map(host_grader, SCENARIOS.values()), strict=True))


def by_id(grade: Grade) -> dict[str, TestOutcome]:
    return {test.test_id: test for test in grade.tests}


def test_each_test_of_a_function_is_judged_on_its_own(grades: dict[str, Grade]) -> None:
    statuses = {test_id: test.status for test_id, test in by_id(grades["solution"]).items()}
    assert {
        "pass": TestStatus.PASSED,
        "wrong": TestStatus.FAILED,
        "big": TestStatus.PASSED,
        "throws": TestStatus.RUNTIME_ERROR,
        "segfault": TestStatus.RUNTIME_ERROR,
        "exit0": TestStatus.FAILED,
        "quick_exit": TestStatus.FAILED,
        "abort": TestStatus.RUNTIME_ERROR,
        "custom-pass": TestStatus.PASSED,
        "custom-firewall": TestStatus.FAILED,
    } == statuses
    assert Verdict.WRONG_ANSWER == grades["solution"].verdict


def test_a_wrong_return_value_shows_expected_and_actual(grades: dict[str, Grade]) -> None:
    wrong = by_id(grades["solution"])["wrong"]
    assert ("returned 3, expected 4", "total([1, 2], 0) == 4", "4", "3") == (
        wrong.message,
        wrong.failures[0].expression,
        wrong.failures[0].expected,
        wrong.failures[0].actual,
    )


def test_crashes_and_exceptions_say_what_happened(grades: dict[str, Grade]) -> None:
    tests = by_id(grades["solution"])
    assert ("threw an exception: bad index", "killed by SIGSEGV", "killed by SIGABRT") == (
        tests["throws"].message,
        tests["segfault"].message,
        tests["abort"].message,
    )


def test_a_fake_summary_printed_before_exit_0_is_only_output(grades: dict[str, Grade]) -> None:
    exit0 = by_id(grades["solution"])["exit0"]
    assert "[doctest] test cases: 1 | 1 passed" in exit0.stdout
    assert exit0.message.startswith("no valid test result")


def test_user_macros_do_not_reach_custom_validation(grades: dict[str, Grade]) -> None:
    """The code's `#define true false` would turn the failing check into a passing one."""
    firewall = by_id(grades["solution"])["custom-firewall"]
    assert ("isPositive(-1) == true", 1) == (firewall.failures[0].expression, firewall.failures[0].line)


def test_strings_with_quotes_backslashes_and_newlines_round_trip(grades: dict[str, Grade]) -> None:
    tests = by_id(grades["identity"])
    assert [] == [t.message for i, t in enumerate(tests.values()) if i < len(TRICKY) and not t.passed]
    assert ('"a"', '"a\\"\\n"') == (tests["mismatch"].failures[0].actual, tests["mismatch"].failures[0].expected)


def test_values_of_each_type_compare_by_their_type(grades: dict[str, Grade]) -> None:
    """Floating point approximately, also inside vectors; the rest exactly, whatever
    operator== the code declares."""
    tests = by_id(grades["identity"])
    assert {
        "close": TestStatus.PASSED,
        "far": TestStatus.FAILED,
        "nested": TestStatus.PASSED,
        "doubles": TestStatus.PASSED,
        "flags": TestStatus.FAILED,
        "char": TestStatus.PASSED,
    } == {test_id: tests[test_id].status for test_id in ("close", "far", "nested", "doubles", "flags", "char")}
    assert (
        "returned 0.5, expected 0.6 (tolerance: absolute 1e-06, relative 1e-06)",
        "returned [true, false], expected [true, true]",
    ) == (
        tests["far"].message,
        tests["flags"].message,
    )


def test_whole_programs_read_stdin_and_are_compared_by_stdout(grades: dict[str, Grade]) -> None:
    tests = by_id(grades["program"])
    assert {
        "ok": TestStatus.PASSED,
        "wrong": TestStatus.FAILED,
        "no-input": TestStatus.RUNTIME_ERROR,
        "crash": TestStatus.RUNTIME_ERROR,
    } == {test_id: test.status for test_id, test in tests.items()}
    assert ("4  \ndone\n\n", "exited with code 3") == (tests["wrong"].stdout, tests["no-input"].message)


def test_compile_errors_point_at_the_users_own_lines(grades: dict[str, Grade]) -> None:
    grade = grades["syntax-error"]
    assert (Verdict.COMPILATION_ERROR, [TestStatus.NOT_RUN]) == (grade.verdict, [t.status for t in grade.tests])
    assert "solution.cpp:2:" in grade.compile_output


def test_code_too_broken_to_read_is_reported_by_the_compiler(grades: dict[str, Grade]) -> None:
    grade = grades["unreadable"]
    assert Verdict.COMPILATION_ERROR == grade.verdict
    assert "solution.cpp:1:" in grade.compile_output


def test_cpp_string_literals_hold_exactly_their_bytes(host_compiler: str, tmp_path: Path) -> None:
    samples = [s.encode() for s in TRICKY] + [bytes(range(256)), b"\\0012", b"\x00\x00", b"?" * 5]
    prints = "\n".join(f"    dump({cpp_string_literal(sample)}, {len(sample)});" for sample in samples)
    (tmp_path / "dump.cpp").write_text(
        "#include <cstdio>\n"
        'static void dump(const char* s, unsigned n) { for (unsigned i = 0; i < n; ++i) std::printf("%02x", '
        '(unsigned char)s[i]); std::printf("\\n"); }\n'
        f"int main() {{\n{prints}\n}}\n"
    )
    subprocess.run([host_compiler, "-std=gnu++17", "-o", "dump", "dump.cpp"], cwd=tmp_path, check=True)
    printed = subprocess.run(["./dump"], cwd=tmp_path, capture_output=True, check=True).stdout.decode().split()
    assert [sample.hex() for sample in samples] == printed
