"""The Python plug-in: Debian trixie's python3 (and pytest) in the coderunner-python image.

Code with a function to call is graded in function mode: each test is one process that
calls it once (or runs a custom validation body with plain ``assert``s) and reports
what came back; the comparison with the expected value happens here, outside the
sandbox (see ``judge.py``). A whole program (``source.py`` has the rule) runs once per
test with the test's input as stdin. An explicit mode overrides the rule: function mode
loads the code as a module (a ``__main__`` block does not run), program mode runs it.
The build step compiles everything first, so a syntax error is a compilation error at
the user's own line.
"""

from __future__ import annotations

import time

from coderunner.domain.outcome import Grade
from coderunner.domain.sandbox_job import SandboxRun
from coderunner.domain.submission import Limits, Mode, Submission
from coderunner.languages.planned import generated_program, grade_plan, plan_of
from coderunner.languages.plugin import GeneratedProgram
from coderunner.languages.python import toolchain
from coderunner.languages.python.judge import judge_function, judge_program
from coderunner.languages.python.plan import Plan, plan_job

GENERATOR = "coderunner-python/1"


class PythonLanguage:
    """The ``Language`` plug-in for Python 3.

    >>> from coderunner.domain.submission import TestCase
    >>> submission = Submission.create(language="python", code="def twice(x): return 2 * x",
    ...                                tests=[TestCase("t1", "2", "4")])
    >>> PYTHON.generate(submission).job.run[0].argv[-2]
    '/opt/coderunner/python/bin/function.py'
    """

    name = "python"
    display_name = "Python 3 (Debian trixie's python3, pytest-style asserts)"
    image = toolchain.IMAGE
    file_extensions: tuple[str, ...] = (".py",)
    modes: tuple[Mode, ...] = (Mode.FUNCTION, Mode.PROGRAM)
    # The seed's run limits; checking that the code compiles needs little memory.
    default_limits: Limits = Limits(
        timeout_s=30.0, memory_mb=256, cpus=0.5, compile_timeout_s=30.0, compile_memory_mb=256, compile_cpus=1.0
    )

    def generate(self, submission: Submission, nonce: str | None = None) -> GeneratedProgram:
        """The sandbox job for ``submission``; ``TemplateError`` when the tests cannot be run.
        ``nonce`` (hex) seeds the per-test nonces; random by default."""
        started = time.perf_counter()
        job, plan = plan_job(submission, nonce)
        return generated_program(job, plan, source=submission.code, generator=GENERATOR, started=started)

    def grade(self, submission: Submission, program: GeneratedProgram, run: SandboxRun) -> Grade:
        """The Grade of a finished job; never raises for anything the submission did."""
        return grade_plan(plan_of(program, Plan), run, function=judge_function, program=judge_program)


PYTHON = PythonLanguage()

__all__ = ["PYTHON", "PythonLanguage"]
