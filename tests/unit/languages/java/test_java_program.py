"""What Java code declares, which method the tests call, and the generated entry class."""

from __future__ import annotations

import pytest

from coderunner.domain.submission import Mode, Submission, TestCase, Tolerance
from coderunner.errors import TemplateError
from coderunner.languages.java import JAVA
from coderunner.languages.java.program import build
from coderunner.languages.java.source import read_source

ENTRY = "CoderunnerTests.java"


def _submission(code: str, tests: list[TestCase], **options: str) -> Submission:
    return Submission.create(language="java", code=code, tests=tests, limits=JAVA.default_limits, **options)


def test_the_file_is_named_after_the_public_class_and_main_makes_a_program() -> None:
    source = read_source(
        "import java.util.*;\n"
        "class Helper { static int twice(int x) { return 2 * x; } }\n"
        "public class Adder { public static void main(final String... args) { } }\n"
    )
    assert ("Adder.java", ("Adder",)) == (source.file_name, source.main_classes)
    assert [("Helper", "twice", True)] == [(m.owner, m.name, m.static) for m in source.methods]


def test_solution_methods_are_candidates_but_private_helpers_and_other_instance_methods_are_not() -> None:
    source = read_source(
        "class Solution { public int f(int x) { return g(x); } private int g(int x) { return x; } }\n"
        "class Other { int h() { return 1; } }\n"
    )
    assert ["f"] == [m.name for m in source.methods]
    assert "Solution.java" == source.file_name


def test_the_entry_class_calls_the_method_and_holds_neither_expected_values_nor_the_nonce() -> None:
    code = "class Solution { public long f(int[] xs, String s) { return xs.length; } }"
    generated = build(_submission(code, [TestCase("t1", '[1, 2], "a"', "424242")]), "feedc0de")

    entry = generated.files[ENTRY]
    assert 'return new Solution().f(new int[] {1, 2}, "a");' in entry
    assert "424242" not in entry
    assert "feedc0de" not in entry
    assert ("Solution.java", 'f([1, 2], "a")') == (generated.plan.file_name, generated.plan.tests[0].call)


def test_overloads_are_told_apart_by_arity_then_by_the_types_the_literals_fit() -> None:
    code = (
        "public class Util {\n"
        "    public static int size(int x) { return 1; }\n"
        "    public static int size(String s) { return 2; }\n"
        "    public static int size(int a, int b) { return 3; }\n"
        "}\n"
    )
    generated = build(_submission(code, [TestCase("t1", '"x"', "2")]), "n")

    assert 'return Util.size("x");' in generated.files[ENTRY]
    assert "int Util.size(String) at line 3" == generated.plan.target


def test_function_name_chooses_among_several_methods() -> None:
    code = "class Solution { public int a(int x) { return x; } public int b(int x) { return -x; } }"
    with pytest.raises(TemplateError, match=r"several methods could be the one under test \(a, b\)"):
        build(_submission(code, [TestCase("t1", "1", "1")]), "n")

    generated = build(_submission(code, [TestCase("t1", "1", "-1")], function_name="b"), "n")
    assert "new Solution().b(1)" in generated.files[ENTRY]


@pytest.mark.parametrize(
    ("code", "test", "problem"),
    [
        ("class Solution { public void f(int x) { } }", TestCase("t1", "1", "1"), "found no method to test"),
        ("class Solution { public int f(int x) { return x; } }", TestCase("t1", "1, 2", "1"), "takes 1 arguments"),
        ("class Solution { public int f(int x) { return x; } }", TestCase("t1", '"a"', "1"), 'argument 1 (x): "a"'),
        ("class Solution { public int f(int x) { return x; } }", TestCase("t1", "1", "[1"), "expected_output"),
        (
            "class Solution { public int f(int x) { return x; } }",
            TestCase("t1", "", "", "new Solution().f(1);"),
            "custom_validation_code calls no JUnit 5 assertion",
        ),
    ],
)
def test_tests_that_cannot_call_the_code_are_template_errors(code: str, test: TestCase, problem: str) -> None:
    with pytest.raises(TemplateError, match=problem.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        build(_submission(code, [test]), "n")


def test_program_mode_needs_a_main_and_function_mode_ignores_one() -> None:
    with pytest.raises(TemplateError, match="program mode runs"):
        build(
            _submission("class Solution { public int f() { return 1; } }", [TestCase("t1", "", "1")], mode="program"),
            "n",
        )

    code = "public class A { public static void main(String[] a) { } public static int f() { return 1; } }"
    generated = build(_submission(code, [TestCase("t1", "", "1")], mode="function"), "n")
    assert (Mode.FUNCTION, "A.java") == (generated.plan.mode, generated.plan.file_name)


def test_code_the_reader_cannot_make_sense_of_is_left_for_javac_to_explain() -> None:
    generated = build(_submission("class Solution { public int f( { }", [TestCase("t1", "1", "1")]), "n")

    assert 'int problem = "coderunner found no method to test' in generated.files[ENTRY]


def test_each_test_runs_in_a_jvm_of_its_own_with_the_heap_below_the_memory_limit() -> None:
    code = "class Solution { public int f(int x) { return x; } }"
    program = JAVA.generate(_submission(code, [TestCase("t1", "1", "1"), TestCase("t2", "2", "2")]), nonce="abc")

    steps = program.job.run
    assert [("abc", "0", "value"), ("abc", "1", "value")] == [s.argv[-3:] for s in steps]
    assert all(s.report for s in steps)
    assert "-Xmx160m" in steps[0].argv  # 256 MB limit: the JVM's own needs stay below it


def test_each_test_is_judged_with_its_own_tolerance_over_the_requests() -> None:
    """The shared tolerance rule reaches Java's judge: a test's own fields, then the request's."""
    code = "class Solution { public double area(double r) { return 3.1416 * r * r; } }"
    tests = [
        TestCase("loose", "1.0", "3.14", tolerance=Tolerance(absolute=0.01)),
        TestCase("default", "1.0", "3.14159"),
    ]
    submission = Submission.create(
        language="java", code=code, tests=tests, limits=JAVA.default_limits, tolerance=Tolerance(relative=0.0)
    )
    planned = {test.test_id: test for test in build(submission, "0f" * 16).plan.tests}

    assert Tolerance(absolute=0.01, relative=0.0) == planned["loose"].tolerance
    assert Tolerance(absolute=1e-6, relative=0.0) == planned["default"].tolerance


def test_a_custom_body_is_a_method_of_the_entry_class_at_a_known_line() -> None:
    code = "class Solution { public int f(int x) { return x; } }"
    tests = [TestCase("t1", "1", "1"), TestCase("t2", custom_validation_code="int y = 2;\nassertEquals(2, y);")]
    program = JAVA.generate(_submission(code, tests), nonce="abc")

    plan = program.context
    lines = program.source.split("\n")
    body = plan.tests[1]
    assert (True, "assertEquals(2, y);") == (program.custom_validation_used, lines[body.body_line])
    assert ("custom", "value") == (program.job.run[1].argv[-1], program.job.run[0].argv[-1])


def test_the_entry_class_takes_a_name_the_users_classes_do_not_have() -> None:
    code = "class CoderunnerTests { }\nclass CoderunnerTests1 { }\nclass Solution { public int f(int x) { return x; } }"
    program = JAVA.generate(_submission(code, [TestCase("t1", "1", "1")]), nonce="abc")

    assert "final class CoderunnerTests2 {" in program.source
    assert ("CoderunnerTests2", "Solution.java", "CoderunnerTests2.java") == program.job.run[0].argv[-6:-3]
    assert "coderunner" not in program.source  # it never names the harness, which a user class could shadow
