"""A custom validation body's expected values stay out of the user's code's reach, through
the real sandbox: neither the compiled tests class's bytes nor running its bodies by
reflection tells a wrong answer what to return.

The expected value is a string the user's code cannot guess; each attacker returns it only
if it found it, and "unknown" otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from coderunner.domain.outcome import Grade, Verdict
from coderunner.domain.submission import TestCase

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

GradeFn = Callable[..., Awaitable[Grade]]

SECRET = "s3cr3t-expected-value"
TESTS = [TestCase("t1", custom_validation_code=f'assertEquals("{SECRET}", new Solution().answer());')]

# Looks for the secret in whatever bytes it can read, returns it if found.
FIND = """
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.regex.*;
class Solution {
    static String find(byte[] bytes) {
        Matcher m = Pattern.compile("s3cr3t-[a-z-]+").matcher(new String(bytes, StandardCharsets.ISO_8859_1));
        return m.find() ? m.group() : null;
    }
    public String answer() {
        for (String name : new String[] {NAMES}) {
            try {
                String found = find(READ);
                if (found != null) return found;
            } catch (Throwable e) {
                // denied, or not there: try the next one
            }
        }
        return "unknown";
    }
}
"""
NAMES = '"CoderunnerTests.class", "/CoderunnerTests.class"'
PATHS = (
    '"classes/CoderunnerTests.class", "tests/CoderunnerTests.class", "tests-classes/CoderunnerTests.class", '
    '"/workspace/classes/CoderunnerTests.class", "/workspace/tests/CoderunnerTests.class", '
    '"/workspace/tests-classes/CoderunnerTests.class", "CoderunnerTests.java"'
)

ATTACKS = {
    "bytes_through_its_class_loader": FIND.replace("NAMES", NAMES).replace(
        "READ", "Solution.class.getClassLoader().getResourceAsStream(name).readAllBytes()"
    ),
    "bytes_through_the_system_class_loader": FIND.replace("NAMES", NAMES).replace(
        "READ", "ClassLoader.getSystemResourceAsStream(name).readAllBytes()"
    ),
    "bytes_through_the_tests_class_itself": FIND.replace("NAMES", NAMES).replace(
        "READ", 'Class.forName("CoderunnerTests").getResourceAsStream(name).readAllBytes()'
    ),
    "bytes_from_the_file": FIND.replace("NAMES", PATHS).replace("READ", "Files.readAllBytes(Path.of(name))"),
    # Runs the tests class's bodies itself (its own included, re-entered) and reads the
    # expected value out of JUnit's failure message.
    "runs_the_bodies_by_reflection": (
        "import java.lang.reflect.*;\n"
        "import java.util.regex.*;\n"
        "class Solution {\n"
        "    static boolean inside;\n"
        "    public String answer() {\n"
        '        if (inside) return "";\n'
        "        inside = true;\n"
        "        try {\n"
        '            Method call = Class.forName("CoderunnerTests").getDeclaredMethod("call", int.class);\n'
        "            try { call.invoke(null, 0); } catch (InvocationTargetException e) {\n"
        "                String message = String.valueOf(e.getCause().getMessage());\n"
        '                Matcher m = Pattern.compile("expected: <(.*?)>").matcher(message);\n'
        "                if (m.find()) return m.group(1);\n"
        "            }\n"
        "        } catch (Throwable e) { }\n"
        '        return "unknown";\n'
        "    }\n"
        "}\n"
    ),
}
# The same through a lookup with private access: it would run the body itself (c0) or
# reset the flag that lets call run only once.
ATTACKS["runs_a_body_through_a_private_lookup"] = (
    "import java.lang.invoke.*;\n"
    "import java.util.regex.*;\n"
    "class Solution {\n"
    "    static boolean inside;\n"
    "    public String answer() {\n"
    '        if (inside) return "";\n'
    "        inside = true;\n"
    "        try {\n"
    '            Class<?> tests = Class.forName("CoderunnerTests");\n'
    "            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(tests, MethodHandles.lookup());\n"
    '            lookup.findStatic(tests, "c0", MethodType.methodType(void.class)).invoke();\n'
    "        } catch (Throwable e) {\n"
    '            Matcher m = Pattern.compile("expected: <(.*?)>").matcher(String.valueOf(e.getMessage()));\n'
    "            if (m.find()) return m.group(1);\n"
    "        }\n"
    '        return "unknown";\n'
    "    }\n"
    "}\n"
)


@pytest.mark.parametrize("code", ATTACKS.values(), ids=ATTACKS.keys())
async def test_the_attack_finds_no_expected_value(grade: GradeFn, code: str) -> None:
    result = await grade(code, TESTS)

    assert (Verdict.WRONG_ANSWER, []) == (result.verdict, result.approved_test_ids), result
    assert result.tests[0].failures[0].actual == "unknown", result


async def test_the_control_the_right_answer_passes(grade: GradeFn) -> None:
    code = f'class Solution {{ public String answer() {{ return "{SECRET}"; }} }}'

    result = await grade(code, TESTS)

    assert (Verdict.ACCEPTED, ["t1"]) == (result.verdict, result.approved_test_ids), result
