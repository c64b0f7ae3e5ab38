"""``grade(code, tests, function_name=None)``: CPP.generate → the real sandbox → CPP.grade."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

import pytest

from coderunner.domain.outcome import Grade
from coderunner.domain.submission import Submission, TestCase
from coderunner.languages.cpp import CPP
from coderunner.sandbox.docker_sandbox import DockerSandbox

GradeFn = Callable[..., Awaitable[Grade]]


@pytest.fixture
def grade(sandbox: DockerSandbox) -> GradeFn:
    async def run(code: str, tests: Iterable[TestCase], function_name: str | None = None) -> Grade:
        submission = Submission.create(language="cpp", code=code, tests=list(tests), function_name=function_name)
        program = CPP.generate(submission)
        result = await sandbox.execute(program.job)
        return CPP.grade(submission, program, result)

    return run
