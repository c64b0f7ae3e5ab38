"""Custom validation: a test's ``custom_validation_code`` is the body of a JUnit 5 test
method calling the user's code, run through the real sandbox; JUnit's expected/actual
message is the evidence of a failure."""

from __future__ import annotations

import pytest
from language_grading import GradeFn

from coderunner.domain.outcome import AssertionFailure, TestStatus, Verdict
from coderunner.domain.submission import Submission, TestCase
from coderunner.errors import TemplateError
from coderunner.languages.java import JAVA

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


SORTER = """
import java.util.*;
class Solution {
    public int[] sorted(int[] xs) { int[] out = xs.clone(); Arrays.sort(out); return out; }
    public int divide(int a, int b) { return a / b; }
}
"""


def custom(test_id: str, body: str) -> TestCase:
    return TestCase(test_id, custom_validation_code=body)


async def test_junit_assertions_pass_and_fail_with_junits_evidence(grade: GradeFn) -> None:
    tests = [
        custom("arrays", "assertArrayEquals(new int[] {1, 2, 3}, new Solution().sorted(new int[] {3, 1, 2}));"),
        custom("throws", "assertThrows(ArithmeticException.class, () -> new Solution().divide(1, 0));"),
        custom("equals", 'Solution s = new Solution();\nint q = s.divide(7, 2);\nassertEquals(4, q, "7 / 2");'),
        TestCase("value", "[2, 1]", "[1, 2]"),
    ]

    result = await grade(SORTER, tests, function_name="sorted")

    assert (Verdict.WRONG_ANSWER, ["arrays", "throws", "value"]) == (result.verdict, result.approved_test_ids)
    failed = result.tests[2]
    assert (TestStatus.FAILED, "assertion failed (line 3): 7 / 2 ==> expected: <4> but was: <3>") == (
        failed.status,
        failed.message,
    )
    assert (
        AssertionFailure('assertEquals(4, q, "7 / 2");', "4", "3", 3, "7 / 2 ==> expected: <4> but was: <3>"),
    ) == failed.failures


async def test_a_body_whose_user_code_throws_is_a_runtime_error(grade: GradeFn) -> None:
    result = await grade(SORTER, [custom("t1", "assertEquals(0, new Solution().divide(1, 0));")])

    assert (Verdict.RUNTIME_ERROR, TestStatus.RUNTIME_ERROR) == (result.verdict, result.tests[0].status), result
    assert "java.lang.ArithmeticException: / by zero" in result.tests[0].message


async def test_javac_errors_in_a_body_name_the_tests_body_and_its_own_line(grade: GradeFn) -> None:
    tests = [TestCase("t0", "[1]", "[1]"), custom("t1", "int x = 1;\nassertEquals(1, undefinedName);")]

    result = await grade(SORTER, tests, function_name="sorted")

    assert Verdict.COMPILATION_ERROR == result.verdict, result
    assert "tests[1].custom_validation_code:2: error: cannot find symbol" in result.compile_output, result


def test_a_body_without_an_assertion_or_in_a_whole_program_is_a_template_error() -> None:
    no_assert = Submission.create(language="java", code=SORTER, tests=[custom("t1", "new Solution().divide(1, 1);")])
    program = "class Main { public static void main(String[] args) { } }"
    in_program = Submission.create(language="java", code=program, tests=[custom("t1", "assertTrue(true);")])

    with pytest.raises(TemplateError, match="calls no JUnit 5 assertion"):
        JAVA.generate(no_assert)
    with pytest.raises(TemplateError, match="graded as a whole program"):
        JAVA.generate(in_program)


TESTS = [
    custom("t1", "assertEquals(3, new Solution().add(1, 2));"),
    custom("t2", "assertEquals(4, new Solution().add(2, 2));"),
]

# Each attacker's add is wrong (or never returns), then tries to pass a custom body anyway.
ATTACKS = {
    "system_exit_0": "class Solution { public int add(int a, int b) { System.exit(0); return 0; } }",
    "runtime_halt_0": "class Solution { public int add(int a, int b) { Runtime.getRuntime().halt(0); return 0; } }",
    "report_without_the_nonce": (
        "import java.io.*;\n"
        "class Solution { public int add(int a, int b) throws IOException {\n"
        '    try (OutputStream out = new FileOutputStream("/proc/self/fd/3")) {\n'
        '        out.write("\\npassed\\n".getBytes()); }\n'
        "    Runtime.getRuntime().halt(0); return 0; } }"
    ),
    "fake_assertions_in_junits_package": (
        "package org.junit.jupiter.api;\n"
        "public class Assertions { public static void assertEquals(int a, int b) { } }\n"
        "class Solution { public int add(int a, int b) { return 0; } }"
    ),
    "fake_assertions_class_of_its_own": (
        "class Assertions { public static void assertEquals(int a, int b) { } }\n"
        "class Solution { public int add(int a, int b) { return 0; } }"
    ),
    "swallows_by_throwing_a_junit_abort": (
        "class Solution { public int add(int a, int b) { throw new org.opentest4j.TestAbortedException(); } }"
    ),
    "throws_a_passing_looking_assertion_error": (
        "class Solution { public int add(int a, int b) {\n"
        '    throw new org.opentest4j.AssertionFailedError("passed", 3, 3); } }'
    ),
    "shutdown_hook_and_thread_forge_later": (
        "import java.io.*;\n"
        "class Solution { public int add(int a, int b) {\n"
        '    Runnable forge = () -> { try (OutputStream out = new FileOutputStream("/proc/self/fd/3")) {\n'
        '        out.write("x\\npassed\\n".getBytes()); } catch (IOException e) { } };\n'
        "    Runtime.getRuntime().addShutdownHook(new Thread(forge));\n"
        "    new Thread(() -> { try { Thread.sleep(200); } catch (InterruptedException e) { }\n"
        "        forge.run(); }).start();\n"
        "    return 0; } }"
    ),
}

# Scans its own process's memory for the nonce (the only 32-hex-digit string there, without
# a security manager) and forges a pass with it.
MEMORY_SCAN = """
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
class Solution {
    public int add(int a, int b) throws Exception {
        Set<String> found = new LinkedHashSet<>();
        try (RandomAccessFile mem = new RandomAccessFile("/proc/self/mem", "r")) {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps"))) {
                String[] f = line.split("\\s+");
                if (!f[1].startsWith("rw")) continue;
                String[] range = f[0].split("-");
                long start = Long.parseUnsignedLong(range[0], 16), end = Long.parseUnsignedLong(range[1], 16);
                byte[] buf = new byte[1 << 20];
                for (long at = start; at < end; at += buf.length - 64) {
                    int n = (int) Math.min(buf.length, end - at), run = 0;
                    try { mem.seek(at); mem.readFully(buf, 0, n); } catch (IOException e) { break; }
                    for (int i = 0; i < n; i++) {
                        byte c = buf[i];
                        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) { run++; continue; }
                        if (run == 32) found.add(new String(buf, i - 32, 32, StandardCharsets.ISO_8859_1));
                        run = 0;
                    }
                }
            }
        }
        found.remove("00000000000000000000000000000000");
        if (found.size() == 1) {
            try (OutputStream out = new FileOutputStream("/proc/self/fd/3")) {
                out.write((found.iterator().next() + "\\npassed\\n").getBytes(StandardCharsets.UTF_8));
            }
            Runtime.getRuntime().halt(0);
        }
        return 0;
    }
}
"""
ATTACKS["nonce_from_its_own_memory"] = MEMORY_SCAN
# Reads the expected value out of the generated source in its workspace.
ATTACKS["expected_value_from_the_generated_source"] = (
    "import java.nio.file.*;\n"
    "class Solution { public int add(int a, int b) throws Exception {\n"
    '    String source = Files.readString(Path.of("CoderunnerTests.java"));\n'
    '    java.util.regex.Matcher m = java.util.regex.Pattern.compile("assertEquals\\\\((\\\\d+), new Solution\\\\(\\\\)'
    '\\\\.add\\\\(" + a + ", " + b).matcher(source);\n'
    "    return m.find() ? Integer.parseInt(m.group(1)) : 0; } }"
)


@pytest.mark.parametrize("code", ATTACKS.values(), ids=ATTACKS.keys())
async def test_the_attack_through_custom_validation_gains_no_test(grade: GradeFn, code: str) -> None:
    result = await grade(code, TESTS)

    assert [] == result.approved_test_ids, result
    assert result.verdict in (Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR, Verdict.COMPILATION_ERROR), result


async def test_an_object_whose_equals_always_agrees_does_not_pass_assert_equals(grade: GradeFn) -> None:
    """JUnit asks the expected value (the teacher's) whether it equals the actual one."""
    code = (
        "import java.util.*;\n"
        "class Solution { public List<Integer> range(int n) {\n"
        "    return new ArrayList<Integer>() {\n"
        "        @Override public boolean equals(Object o) { return true; }\n"
        '        @Override public String toString() { return "[0, 1, 2]"; }\n'
        "    }; } }"
    )

    result = await grade(code, [custom("t1", "assertEquals(List.of(0, 1, 2), new Solution().range(3));")])

    assert (Verdict.WRONG_ANSWER, []) == (result.verdict, result.approved_test_ids), result


async def test_the_control_an_honest_add_passes_the_same_bodies(grade: GradeFn) -> None:
    result = await grade("class Solution { public int add(int a, int b) { return a + b; } }", TESTS)

    assert (Verdict.ACCEPTED, ["t1", "t2"]) == (result.verdict, result.approved_test_ids), result
