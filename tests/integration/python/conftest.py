"""``grade(code, tests, function_name=None, **fields)``: PYTHON.generate → the real sandbox → PYTHON.grade."""

from __future__ import annotations

import docker
import pytest
from language_grading import GradeFn, grader

from coderunner.languages.python import PYTHON
from coderunner.sandbox.docker_sandbox import DockerSandbox
from coderunner.sandbox.images import ImageBuilder


@pytest.fixture(scope="session")
def python_image(docker_client: docker.DockerClient) -> str:
    """The current Python sandbox image (built first when missing or stale); its id."""
    return str(ImageBuilder(docker_client).ensure(PYTHON.image).id)


@pytest.fixture
def grade(sandbox: DockerSandbox, python_image: str) -> GradeFn:
    return grader(sandbox, PYTHON)
