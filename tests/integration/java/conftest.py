"""``grade(code, tests, function_name=None, mode=None, limits=None)``: JAVA.generate → the real sandbox → JAVA.grade."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

import pytest

from coderunner.domain.outcome import Grade
from coderunner.domain.submission import Limits, Submission, TestCase
from coderunner.languages.java import JAVA
from coderunner.sandbox.docker_sandbox import DockerSandbox

GradeFn = Callable[..., Awaitable[Grade]]


@pytest.fixture
def grade(sandbox: DockerSandbox) -> GradeFn:
    async def run(
        code: str,
        tests: Iterable[TestCase],
        function_name: str | None = None,
        mode: str | None = None,
        limits: Limits | None = None,
    ) -> Grade:
        submission = Submission.create(
            language="java",
            code=code,
            tests=list(tests),
            function_name=function_name,
            mode=mode,
            limits=limits or JAVA.default_limits,
        )
        program = JAVA.generate(submission)
        result = await sandbox.execute(program.job)
        return JAVA.grade(submission, program, result)

    return run
