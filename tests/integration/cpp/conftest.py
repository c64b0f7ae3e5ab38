"""``grade(code, tests, function_name=None, **fields)``: CPP.generate → the real sandbox → CPP.grade."""

from __future__ import annotations

import pytest
from language_grading import GradeFn, grader

from coderunner.languages.cpp import CPP
from coderunner.sandbox.docker_sandbox import DockerSandbox


@pytest.fixture
def grade(sandbox: DockerSandbox) -> GradeFn:
    return grader(sandbox, CPP)
