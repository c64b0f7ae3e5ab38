"""Java through the real sandbox: the verdicts of the plain cases, one by one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from coderunner.domain.outcome import Grade, Verdict
from coderunner.domain.submission import TestCase

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

GradeFn = Callable[..., Awaitable[Grade]]

ADD = [TestCase("t1", "1, 2", "3"), TestCase("t2", "-5, 5", "0")]


async def test_a_solution_method_is_called_once_per_test(grade: GradeFn) -> None:
    code = "class Solution {\n    public int add(int a, int b) { return a + b; }\n}\n"

    result = await grade(code, ADD)

    assert (result.verdict, result.approved_test_ids) == (Verdict.ACCEPTED, ["t1", "t2"]), result
    assert result.compiler_version.startswith("OpenJDK 21")
