"""Returned values through the real sandbox: full-precision numbers, tolerances, maps and sets."""

from __future__ import annotations

import pytest

from coderunner.domain.outcome import Grade, TestStatus
from coderunner.domain.submission import Submission, TestCase, Tolerance
from coderunner.languages.cpp import CPP
from coderunner.sandbox.docker_sandbox import DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.verdicts, pytest.mark.timeout(120)]

NUMBERS = """#include <cmath>
double sum(double a, double b) { return a + b; }
float third(float x) { return x / 3; }
long double half(long double x) { return x / 2; }
double tiny() { return std::sin(std::acos(-1.0)); }
char grade(int score) { return score >= 90 ? 'A' : 'B'; }
"""
CONTAINERS = """#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>
auto index(const std::vector<std::string>& words) {
    std::unordered_map<std::string, std::vector<int>> at;
    for (int i = 0; i < static_cast<int>(words.size()); ++i) at[words[i]].push_back(i);
    return at;
}
template <class K, class V>
std::set<K> keys(const std::map<K, V>& m) {
    std::set<K> out;
    for (const auto& entry : m) out.insert(entry.first);
    return out;
}
std::map<char, int> letters(const std::string& s) {
    std::map<char, int> counts;
    for (char c : s) ++counts[c];
    return counts;
}
"""


async def grade(sandbox: DockerSandbox, code: str, tests: list[TestCase], **fields: object) -> Grade:
    submission = Submission.create(language="cpp", code=code, tests=tests, **fields)  # type: ignore[arg-type]
    program = CPP.generate(submission)
    return CPP.grade(submission, program, await sandbox.execute(program.job))


def statuses(result: Grade) -> dict[str, TestStatus]:
    return {test.test_id: test.status for test in result.tests}


async def grade_each(sandbox: DockerSandbox, code: str, tests: dict[str, list[TestCase]]) -> list[Grade]:
    """One submission per function under test (``tests`` by function name)."""
    return [await grade(sandbox, code, cases, function_name=name) for name, cases in tests.items()]


async def test_numbers_are_reported_in_full_and_judged_by_tolerance(sandbox: DockerSandbox) -> None:
    tests = {
        "sum": [
            TestCase("rounding", "0.1, 0.2", "0.3"),  # 0.30000000000000004 is within the default
            TestCase("exact", "0.1, 0.2", "0.3", tolerance=Tolerance(0, 0)),  # but is not 0.3
            TestCase("far", "0.5, 0.000005", "0.5"),  # 0.500005 for 0.5: a real difference
        ],
        "third": [TestCase("float", "10", "3.3333333333333335")],  # a float's 3.3333333
        "half": [TestCase("long_double", "1", "0.5")],
        "tiny": [TestCase("near_zero", "", "0")],  # sin(pi) = 1.2e-16: the absolute part decides
        "grade": [TestCase("char_as_string", "95", '"A"')],
    }

    results = await grade_each(sandbox, NUMBERS, tests)

    assert {
        "rounding": TestStatus.PASSED,
        "exact": TestStatus.FAILED,
        "far": TestStatus.FAILED,
        "float": TestStatus.PASSED,
        "long_double": TestStatus.PASSED,
        "near_zero": TestStatus.PASSED,
        "char_as_string": TestStatus.PASSED,
    } == {test_id: status for result in results for test_id, status in statuses(result).items()}
    returned = {t.test_id: t.failures[0].actual for t in results[0].tests if t.failures}
    assert {"exact": "0.30000000000000004", "far": "0.500005"} == returned


async def test_the_requests_tolerance_applies_where_a_test_has_none(sandbox: DockerSandbox) -> None:
    tests = [
        TestCase("loose", "8.181534, 0", "8.18"),
        TestCase("own", "8.181534, 0", "8.18", tolerance=Tolerance(0.001)),
    ]

    result = await grade(sandbox, NUMBERS, tests, function_name="sum", tolerance=Tolerance(absolute=0.01))

    assert {"loose": TestStatus.PASSED, "own": TestStatus.FAILED} == statuses(result)


async def test_maps_and_sets_go_in_and_come_back(sandbox: DockerSandbox) -> None:
    tests = {
        "index": [
            TestCase("index", '["a", "b", "a"]', '{"b": [1], "a": [0, 2]}'),
            TestCase("order_inside", '["a", "b", "a"]', '{"b": [1], "a": [2, 0]}'),  # a vector keeps its order
        ],
        "keys": [
            TestCase("keys", '{"x": 1, "y": 2}', '["y", "x"]'),
            TestCase("int_keys", "{3: [1], 1: []}", "{1, 3}"),
        ],
        "letters": [TestCase("letters", '"abca"', "{'a': 2, 'b': 1, 'c': 1}"), TestCase("empty", '""', "{}")],
    }

    results = await grade_each(sandbox, CONTAINERS, tests)

    assert {
        "index": TestStatus.PASSED,
        "order_inside": TestStatus.FAILED,
        "keys": TestStatus.PASSED,
        "int_keys": TestStatus.PASSED,
        "letters": TestStatus.PASSED,
        "empty": TestStatus.PASSED,
    } == {test_id: status for result in results for test_id, status in statuses(result).items()}
