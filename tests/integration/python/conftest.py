"""``grade(code, tests, function_name=None)``: PYTHON.generate → the real sandbox → PYTHON.grade."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

import docker
import pytest

from coderunner.domain.outcome import Grade
from coderunner.domain.submission import Submission, TestCase
from coderunner.languages.python import PYTHON
from coderunner.sandbox.docker_sandbox import DockerSandbox
from coderunner.sandbox.images import ImageBuilder

GradeFn = Callable[..., Awaitable[Grade]]


@pytest.fixture(scope="session")
def python_image(docker_client: docker.DockerClient) -> str:
    """The current Python sandbox image (built first when missing or stale); its id."""
    return str(ImageBuilder(docker_client).ensure(PYTHON.image).id)


@pytest.fixture
def grade(sandbox: DockerSandbox, python_image: str) -> GradeFn:
    async def run(code: str, tests: Iterable[TestCase], function_name: str | None = None) -> Grade:
        submission = Submission.create(language="python", code=code, tests=list(tests), function_name=function_name)
        program = PYTHON.generate(submission)
        result = await sandbox.execute(program.job)
        return PYTHON.grade(submission, program, result)

    return run
