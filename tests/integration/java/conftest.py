"""``grade(code, tests, function_name=None, mode=None, limits=None)``: JAVA.generate → the real sandbox → JAVA.grade."""

from __future__ import annotations

import pytest
from language_grading import GradeFn, grader

from coderunner.languages.java import JAVA
from coderunner.sandbox.docker_sandbox import DockerSandbox


@pytest.fixture
def grade(sandbox: DockerSandbox) -> GradeFn:
    return grader(sandbox, JAVA, limits=JAVA.default_limits)
