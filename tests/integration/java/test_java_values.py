"""Values cross the JVM's boundary both ways: literals become typed arguments, and what the
method returns is rendered by the harness and compared outside, through the real sandbox."""

from __future__ import annotations

import pytest
from language_grading import GradeFn

from coderunner.domain.outcome import Verdict
from coderunner.domain.submission import Submission, TestCase
from coderunner.errors import TemplateError
from coderunner.languages.java import JAVA

pytestmark = [pytest.mark.integration, pytest.mark.verdicts, pytest.mark.timeout(120)]


IDENTITIES = {
    "String": ['"tab\\there \\"quoted\\" back\\\\slash"', '"héllo wörld 😀"', '""', "null"],
    "char": ["'x'", "'\\n'", "'é'"],
    "Character": ["'\\''"],
    "long": ["9007199254740993", "-9223372036854775808"],
    "Integer": ["-2147483648"],
    "double": ["0.1", "-1e-300", "1e300"],
    "float": ["0.1"],
    "boolean": ["false"],
    "int[]": ["[]", "[1, -2, 3]"],
    "double[][]": ["[[0.5], [], [1.25, -2.0]]"],
    "String[]": ['["a", null, "c"]'],
    "char[]": ["['a', '\\\\']"],
    "java.util.List<String>": ['["x", "y"]'],
    "List<List<Integer>>": ["[[1, 2], [], [3]]"],
    "List<Long>": ["[1, 2]"],
    "Map<String, Integer>": ['{"a": 1, "b": -2}', "{}"],
    "TreeMap<Character, List<Double>>": ["{'x': [0.5], 'y': []}"],
    "LinkedHashMap<Long, Boolean>": ["{3: true, 1: false}"],
    "Set<String>": ['{"b", "a", "c"}', "{}"],
    "TreeSet<Integer>": ["{3, 1, 2}"],
    "Map<String, Set<Integer>>": ['{"odd": {1, 3}, "none": {}}'],
}


@pytest.mark.parametrize("kind", IDENTITIES, ids=lambda kind: kind.replace("<", "(").replace(">", ")"))
async def test_what_goes_in_comes_back_out_unchanged(grade: GradeFn, kind: str) -> None:
    code = f"import java.util.*;\nclass Solution {{ public {kind} same({kind} x) {{ return x; }} }}\n"
    tests = [TestCase(f"t{i}", value, value) for i, value in enumerate(IDENTITIES[kind])]

    result = await grade(code, tests)

    assert Verdict.ACCEPTED == result.verdict, [(t.test_id, t.message) for t in result.tests]


async def test_a_double_equal_within_the_shared_tolerance_passes_and_nan_does_not(grade: GradeFn) -> None:
    code = "class Solution { public double third(double x) { return x == 0 ? Double.NaN : x / 3; } }\n"
    tests = [TestCase("close", "1", "0.3333333"), TestCase("nan", "0", "0.0")]

    result = await grade(code, tests)

    assert ["close"] == result.approved_test_ids, result
    assert 'returned "NaN", expected 0.0 (tolerance: absolute 1e-06, relative 1e-06)' == result.tests[1].message


async def test_a_mutable_list_argument_can_be_changed_by_the_method(grade: GradeFn) -> None:
    code = (
        "import java.util.*;\n"
        "class Solution {\n"
        "    public List<Integer> sorted(List<Integer> xs) { Collections.sort(xs); xs.add(0); return xs; }\n"
        "}\n"
    )

    result = await grade(code, [TestCase("t1", "[3, 1, 2]", "[1, 2, 3, 0]")])

    assert Verdict.ACCEPTED == result.verdict, result


async def test_maps_and_sets_are_compared_in_any_order_outside_the_jvm(grade: GradeFn) -> None:
    """A HashMap's or HashSet's order is its own; the comparison ignores it, and a
    missing or extra entry, or a wrong value, still fails."""
    code = (
        "import java.util.*;\n"
        "class Solution {\n"
        "    public Map<String, Integer> counts(String[] words) {\n"
        "        Map<String, Integer> out = new HashMap<>();\n"
        "        for (String w : words) out.merge(w, 1, Integer::sum);\n"
        "        return out;\n"
        "    }\n"
        "}\n"
    )
    tests = [
        TestCase("reordered", '["b", "a", "b"]', '{"b": 2, "a": 1}'),
        TestCase("wrong_value", '["b", "a", "b"]', '{"a": 2, "b": 1}'),
        TestCase("extra_key", '["a"]', '{"a": 1, "z": 0}'),
        TestCase("empty", "[]", "{}"),
    ]

    result = await grade(code, tests)

    assert ["reordered", "empty"] == result.approved_test_ids, result
    assert 'returned {"a": 1}, expected {"a": 1, "z": 0}' == result.tests[2].message


async def test_a_set_expected_as_an_array_matches_in_any_order(grade: GradeFn) -> None:
    code = "import java.util.*;\nclass Solution { public Set<Integer> s(int[] xs) { Set<Integer> out = new HashSet<>();"
    code += " for (int x : xs) out.add(x % 3); return out; } }\n"

    result = await grade(code, [TestCase("t1", "[5, 4, 3, 9]", "[0, 1, 2]"), TestCase("t2", "[3]", "[1]")])

    assert ["t1"] == result.approved_test_ids, result


async def test_a_null_in_a_map_argument_is_a_template_error() -> None:
    code = "import java.util.*;\nclass Solution { public int n(Map<String, Integer> m) { return m.size(); } }\n"
    submission = Submission.create(language="java", code=code, tests=[TestCase("t1", '{"a": null}', "1")])

    with pytest.raises(TemplateError, match="cannot hold null"):
        JAVA.generate(submission)
