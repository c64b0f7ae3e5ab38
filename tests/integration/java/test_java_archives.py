"""The class-data-sharing archives built with the image are the ones the commands use.

``-Xshare:auto`` silently starts cold when an archive does not match the command line
(class path, GC, JDK build); ``-Xshare:on`` refuses to start instead, so running the very
commands the plug-in generates with it proves the archives fit them.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from coderunner.domain.outcome import Verdict
from coderunner.domain.sandbox_job import Step
from coderunner.domain.submission import Submission, TestCase
from coderunner.languages.java import JAVA, toolchain
from coderunner.sandbox.docker_sandbox import DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def _strict(step: Step) -> Step:
    if step.argv[0] not in (toolchain.JAVA, toolchain.JAVAC):  # not a JVM (moving the tests class's files)
        return step
    argv = tuple(arg.replace("-Xshare:auto", "-Xshare:on") for arg in step.argv)
    assert argv != step.argv, "the command no longer asks for its archive"
    return replace(step, argv=argv)


async def test_javac_and_the_test_jvms_start_from_their_archives(sandbox: DockerSandbox) -> None:
    code = "import java.util.*;\nclass Solution { public List<Integer> twice(int x) { return List.of(x, x); } }\n"
    submission = Submission.create(
        language="java", code=code, tests=[TestCase("t1", "2", "[2, 2]")], limits=JAVA.default_limits
    )
    program = JAVA.generate(submission)
    job = replace(
        program.job,
        compile=tuple(_strict(s) for s in program.job.compile),
        run=tuple(_strict(s) for s in program.job.run),
    )

    result = JAVA.grade(submission, program, await sandbox.execute(job))

    assert Verdict.ACCEPTED == result.verdict, (result.compile_output, result.tests)


async def test_junits_assertions_come_from_the_archive_too(sandbox: DockerSandbox) -> None:
    """A custom validation body's JVM loads JUnit's classes from the archive, not its jars."""
    code = "class Solution { public int twice(int x) { return 2 * x; } }\n"
    body = "assertEquals(4, new Solution().twice(2));\nassertThrows(NullPointerException.class, () -> { throw null; });"
    test = TestCase("t1", custom_validation_code=body)
    submission = Submission.create(language="java", code=code, tests=[test], limits=JAVA.default_limits)
    program = JAVA.generate(submission)
    step = _strict(program.job.run[0])
    at = step.argv.index("-cp")
    logged = replace(step, argv=(*step.argv[:at], "-Xlog:class+load=info:stderr", *step.argv[at:]))
    job = replace(program.job, run=(logged,))

    run = await sandbox.execute(job)

    assert Verdict.ACCEPTED == JAVA.grade(submission, program, run).verdict
    loaded = run.run[0].stderr.decode()
    assert "org.junit.jupiter.api.Assertions source: shared objects file" in loaded, loaded[-2000:]
    assert "org.junit.jupiter.api.AssertThrows source: shared objects file" in loaded, loaded[-2000:]
