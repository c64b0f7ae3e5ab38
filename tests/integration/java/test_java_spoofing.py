"""Attempts to fool the Java grader, through the real sandbox: none gets a wrong answer approved.

Every attacker's ``add`` returns a wrong value (or none at all), then tries to make the
grader believe otherwise; the harness's report needs a nonce that the user's code cannot
learn, and the returned value is compared outside the JVM.
"""

from __future__ import annotations

import pytest
from language_grading import GradeFn

from coderunner.domain.outcome import Verdict
from coderunner.domain.submission import Submission, TestCase
from coderunner.languages.java import JAVA
from coderunner.sandbox.docker_sandbox import DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


TESTS = [TestCase("t1", "1, 2", "3"), TestCase("t2", "2, 2", "4")]

# Writes the report the harness would write, with the right answer, then ends the JVM
# before the harness can write its own. It needs this process's nonce: WHERE finds it.
FORGE = """
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
class Solution {
    public int add(int a, int b) throws Exception {
        String nonce = WHERE;
        try (OutputStream out = new FileOutputStream("/proc/self/fd/3")) {
            out.write((nonce + "\\nvalue\\n" + (a + b)).getBytes(StandardCharsets.UTF_8));
        }
        Runtime.getRuntime().halt(0);
        return 0;
    }
    static String lastArgument(String[] parts, int fromEnd) { return parts[parts.length - fromEnd]; }
}
"""

ATTACKS = {
    "system_exit_0": "class Solution { public int add(int a, int b) { System.exit(0); return 0; } }",
    "runtime_halt_0": "class Solution { public int add(int a, int b) { Runtime.getRuntime().halt(0); return 0; } }",
    "shutdown_hook_forges_a_report": (
        "import java.io.*;\n"
        "class Solution { public int add(int a, int b) {\n"
        "    Runtime.getRuntime().addShutdownHook(new Thread(() -> {\n"
        '        try (OutputStream out = new FileOutputStream("/proc/self/fd/3")) {\n'
        '            out.write("x\\nvalue\\n3".getBytes()); }\n'
        "        catch (IOException e) { }\n"
        "    }));\n"
        "    System.exit(0); return 0; } }"
    ),
    "nonce_from_proc_cmdline": FORGE.replace(
        "WHERE",
        'lastArgument(new String(Files.readAllBytes(Paths.get("/proc/self/cmdline")), StandardCharsets.ISO_8859_1)'
        '.split("\\0"), 2)',
    ),
    "nonce_from_process_handle": FORGE.replace(
        "WHERE", 'lastArgument(ProcessHandle.current().info().arguments().orElse(new String[] {"", ""}), 2)'
    ),
    "nonce_from_sun_java_command": FORGE.replace(
        "WHERE", 'lastArgument(String.valueOf(System.getProperty("sun.java.command")).split(" "), 2)'
    ),
    "nonce_from_the_harness_by_reflection": FORGE.replace(
        "WHERE",
        'java.util.Arrays.stream(Class.forName("coderunner.Harness").getDeclaredFields())'
        ".map(f -> { try { f.setAccessible(true); return String.valueOf(f.get(null)); }"
        ' catch (Exception e) { return ""; } })'
        '.filter(s -> s.matches("[0-9a-f]{32}")).findFirst().orElse("none")',
    ),
    "report_without_the_nonce": (
        "import java.io.*;\n"
        "class Solution { public int add(int a, int b) throws IOException {\n"
        '    try (OutputStream out = new FileOutputStream("/proc/self/fd/3")) {\n'
        '        out.write(("\\nvalue\\n" + (a + b)).getBytes()); }\n'
        "    return 0; } }"
    ),
    "thread_left_running_forges_later": (
        "import java.io.*;\n"
        "class Solution { public int add(int a, int b) {\n"
        "    Thread t = new Thread(() -> { try { Thread.sleep(300);\n"
        '        try (OutputStream out = new FileOutputStream("/proc/self/fd/3")) {\n'
        '            out.write("x\\nvalue\\n3".getBytes()); }\n'
        "    } catch (Exception e) { } });\n"
        "    t.start(); return 0; } }"
    ),
    "stdout_claims_success": (
        'class Solution { public int add(int a, int b) { System.out.println("ok\\nvalue\\n" + (a + b)); return 0; } }'
    ),
}


@pytest.mark.parametrize("code", ATTACKS.values(), ids=ATTACKS.keys())
async def test_the_attack_gains_no_test(grade: GradeFn, code: str) -> None:
    result = await grade(code, TESTS)

    assert [] == result.approved_test_ids, result
    assert result.verdict in (Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR), result


async def test_a_returned_list_that_lies_in_equals_and_to_string_is_not_believed(grade: GradeFn) -> None:
    code = (
        "import java.util.*;\n"
        "class Solution { public List<Integer> range(int n) {\n"
        "    return new ArrayList<Integer>() {\n"
        "        @Override public boolean equals(Object o) { return true; }\n"
        "        @Override public int hashCode() { return 0; }\n"
        '        @Override public String toString() { return "[0, 1, 2]"; }\n'
        "    }; } }"
    )

    result = await grade(code, [TestCase("t1", "3", "[0, 1, 2]")])

    assert (Verdict.WRONG_ANSWER, []) == (result.verdict, result.approved_test_ids), result
    assert "returned an object of class Solution$1" in result.tests[0].message


async def test_static_state_and_threads_of_one_test_never_reach_the_next(grade: GradeFn) -> None:
    code = (
        "class Solution {\n"
        "    static int calls = 0;\n"
        "    public int add(int a, int b) {\n"
        "        calls++;\n"
        "        int sum = calls == 1 ? a + b : -1;\n"
        "        new Thread(() -> { while (true) { calls = 99; } }).start();  // left running\n"
        "        return sum;\n"
        "    }\n"
        "}\n"
    )

    result = await grade(code, TESTS)

    assert (Verdict.ACCEPTED, ["t1", "t2"]) == (result.verdict, result.approved_test_ids), result


async def test_the_forgery_would_pass_with_the_nonce_so_hiding_it_is_what_stops_it(sandbox: DockerSandbox) -> None:
    """The control for the nonce attacks above: the same forgery, told the nonce, passes."""
    nonce = "0123456789abcdef0123456789abcdef"
    code = FORGE.replace("WHERE", f'"{nonce}"')
    submission = Submission.create(language="java", code=code, tests=TESTS, limits=JAVA.default_limits)
    program = JAVA.generate(submission, nonce=nonce)

    result = JAVA.grade(submission, program, await sandbox.execute(program.job))

    assert (Verdict.ACCEPTED, ["t1", "t2"]) == (result.verdict, result.approved_test_ids), result
