"""Python returns dicts and sets and takes map and set literals; floats are judged by each test's tolerance."""

from __future__ import annotations

import pytest
from language_grading import GradeFn

from coderunner.domain.outcome import TestStatus
from coderunner.domain.submission import TestCase, Tolerance

pytestmark = [pytest.mark.integration, pytest.mark.verdicts, pytest.mark.timeout(120)]


CODE = """
def word_count(text: str) -> dict[str, int]:
    counts = {}
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts

def wanted(stock: dict[str, int], names: set[str]) -> int:
    return sum(stock.get(name, 0) for name in names)

def third(x: float) -> float:
    return x / 3
"""


async def test_dicts_and_sets_go_in_and_come_back(grade: GradeFn) -> None:
    counted = await grade(CODE, [TestCase("map", '"b a b"', '{"a": 1, "b": 2}')], "word_count")
    summed = await grade(CODE, [TestCase("in", '{"x": 2, "y": 3, "z": 9}, {"y", "x"}', "5")], "wanted")
    assert [TestStatus.PASSED, TestStatus.PASSED] == [counted.tests[0].status, summed.tests[0].status]


async def test_a_tests_tolerance_applies_in_python_as_in_cpp(grade: GradeFn) -> None:
    tests = [TestCase("rounded", "1", "0.33", tolerance=Tolerance(absolute=0.01)), TestCase("strict", "1", "0.33")]
    result = await grade(CODE, tests, "third")
    assert [TestStatus.PASSED, TestStatus.FAILED] == [t.status for t in result.tests]
