"""One JVM per test: whatever one test's code does to its JVM (exit, hang, corrupt static
state, leave threads running) decides that test only (a hang spends the run's wall
budget, which all tests share as in the seed, so the tests after it are not run); and the student's classes may have
any name, the harness's and the generated class's included. Through the real sandbox."""

from __future__ import annotations

from dataclasses import replace

import pytest
from language_grading import GradeFn

from coderunner.domain.outcome import TestStatus, Verdict
from coderunner.domain.submission import TestCase
from coderunner.languages.java import JAVA

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


# add(1, _) exits, add(2, _) hangs, add(3, _) corrupts the static state every later call
# in the same JVM would read; any other call is honest, unless that state was corrupted.
SABOTEUR = """
class Solution {
    static int offset = 0;
    public int add(int a, int b) {
        if (a == 1) System.exit(0);
        if (a == 2) while (true) { }
        if (a == 3) { offset = 1000; return a + b; }
        return a + b + offset;
    }
}
"""


async def test_a_test_that_exits_hangs_or_corrupts_statics_decides_only_its_own_verdict(grade: GradeFn) -> None:
    tests = [
        TestCase("exits", "1, 1", "2"),
        TestCase("between", "5, 5", "10"),
        TestCase("corrupts", "3, 3", "6"),
        TestCase("after", "4, 4", "8"),
        TestCase("hangs", "2, 2", "4"),  # last: a hang spends the run's shared wall budget
    ]

    result = await grade(SABOTEUR, tests, limits=replace(JAVA.default_limits, timeout_s=10))

    statuses = {t.test_id: t.status for t in result.tests}
    assert {
        "exits": TestStatus.FAILED,  # exited 0 without a report
        "between": TestStatus.PASSED,
        "corrupts": TestStatus.PASSED,
        "after": TestStatus.PASSED,
        "hangs": TestStatus.TIMEOUT,
    } == statuses, result


async def test_the_same_sabotage_in_custom_validation_bodies_stays_in_its_own_test(grade: GradeFn) -> None:
    def body(a: int) -> str:
        return f"assertEquals({2 * a}, new Solution().add({a}, {a}));"

    tests = [TestCase(name, custom_validation_code=body(a)) for name, a in (("exits", 1), ("corrupts", 3), ("next", 4))]
    tests.insert(2, TestCase("corrupts_itself", custom_validation_code="new Solution().add(3, 3);\n" + body(4)))
    tests.append(TestCase("hangs", custom_validation_code=body(2)))

    result = await grade(SABOTEUR, tests, limits=replace(JAVA.default_limits, timeout_s=10))

    assert ["corrupts", "next"] == result.approved_test_ids, result  # corrupts_itself spoilt its own JVM only
    assert "expected: <8> but was: <1008>" in result.tests[2].message
    assert TestStatus.TIMEOUT == result.tests[4].status


NAMES = ["CoderunnerTests", "Harness", "ProgramMain", "Warmup", "coderunner", "Assertions", "Test", "List"]


@pytest.mark.parametrize("name", NAMES)
async def test_a_student_class_may_have_the_name_of_any_class_of_ours(grade: GradeFn, name: str) -> None:
    code = (
        f"class {name} {{ static int twice(int x) {{ return 2 * x; }} }}\n"
        f"class Solution {{ public int add(int a, int b) {{ return {name}.twice(a) / 2 + b; }} }}\n"
    )
    tests = [
        TestCase("value", "1, 2", "3"),
        TestCase("custom", custom_validation_code="assertEquals(5, new Solution().add(2, 3));"),
    ]

    result = await grade(code, tests)

    assert (Verdict.ACCEPTED, ["value", "custom"]) == (result.verdict, result.approved_test_ids), result


@pytest.mark.parametrize("name", ["Harness", "ProgramMain", "coderunner"])
async def test_a_whole_program_may_be_named_like_a_harness_class(grade: GradeFn, name: str) -> None:
    code = f'public class {name} {{ public static void main(String[] args) {{ System.out.println("hi"); }} }}\n'

    result = await grade(code, [TestCase("t1", "", "hi\n")])

    assert (Verdict.ACCEPTED, ["t1"]) == (result.verdict, result.approved_test_ids), result
