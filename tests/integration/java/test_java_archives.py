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
from coderunner.languages.java import JAVA
from coderunner.sandbox.docker_sandbox import DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def _strict(step: Step) -> Step:
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
