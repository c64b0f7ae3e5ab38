"""``grade(code, tests, function_name=None, **fields)`` for a language's integration tests:
the plug-in's ``generate``, the real sandbox, the plug-in's ``grade`` (the pipeline's
path without the store and the scheduler)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from coderunner.domain.outcome import Grade
from coderunner.domain.submission import Submission, TestCase
from coderunner.languages.plugin import Language
from coderunner.service.ports import Sandbox

GradeFn = Callable[..., Awaitable[Grade]]
"""``await grade(code, tests, function_name=None, **fields)``; ``fields`` are ``Submission.create``'s."""


def grader(sandbox: Sandbox, language: Language, **defaults: Any) -> GradeFn:
    """A ``grade`` that runs ``language``'s submissions in ``sandbox``; ``defaults`` fill
    the ``Submission.create`` fields a call leaves out or passes as None."""

    async def grade(code: str, tests: Iterable[TestCase], function_name: str | None = None, **fields: Any) -> Grade:
        given = {name: value for name, value in fields.items() if value is not None}
        submission = Submission.create(
            language=language.name, code=code, tests=list(tests), function_name=function_name, **(defaults | given)
        )
        program = language.generate(submission)
        result = await sandbox.execute(program.job)
        return language.grade(submission, program, result)

    return grade
