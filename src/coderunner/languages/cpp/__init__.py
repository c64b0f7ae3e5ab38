"""The C++ plug-in: g++ 14 and doctest 2.4.11 in the coderunner-cpp image.

Code without ``main`` is graded in function mode: each input/expected test calls the
function under test once (see ``program.py`` for the harness, ``judge.py`` for how a
result is trusted), and each test runs in a process of its own so that a crash or an
``exit(0)`` decides only that test. Code with ``main`` is compiled as it is and run once
per test with the test's input as stdin. An explicit mode overrides that rule: program
mode on code without ``main`` is a template error, and function mode on code with one
tests the function, with that ``main`` renamed away and never run.
"""

from __future__ import annotations

import secrets
import time

from coderunner.domain.outcome import Grade
from coderunner.domain.sandbox_job import SandboxJob, SandboxRun, Step
from coderunner.domain.submission import Limits, Mode, Submission
from coderunner.languages.cpp import toolchain
from coderunner.languages.cpp.judge import judge_doubt, judge_function, judge_program
from coderunner.languages.cpp.program import Plan, build
from coderunner.languages.planned import generated_program, grade_plan, plan_of
from coderunner.languages.plugin import GeneratedProgram
from coderunner.languages.program_output import stdin_runs

GENERATOR = "coderunner-cpp-doctest/1"


class CppLanguage:
    """The ``Language`` plug-in for C++.

    >>> from coderunner.domain.submission import TestCase
    >>> submission = Submission.create(language="cpp", code="int twice(int x) { return 2 * x; }",
    ...                                tests=[TestCase("t1", "2", "4")])
    >>> CPP.generate(submission).job.run[0].argv[1].startswith("--test-case=cr_")
    True
    """

    name = "cpp"
    display_name = f"C++17 (g++ 14, doctest {toolchain.DOCTEST_VERSION})"
    image = toolchain.IMAGE
    file_extensions: tuple[str, ...] = (".cpp", ".cc", ".cxx")
    modes: tuple[Mode, ...] = (Mode.FUNCTION, Mode.PROGRAM)
    # The seed's run limits (256 MB, 0.5 CPU, 30 s for all tests); g++ needs more memory
    # than any test, so its step has its own.
    default_limits: Limits = Limits(
        timeout_s=30.0, memory_mb=256, cpus=0.5, compile_timeout_s=30.0, compile_memory_mb=1024, compile_cpus=1.0
    )

    def generate(self, submission: Submission, nonce: str | None = None) -> GeneratedProgram:
        """The sandbox job for ``submission``; ``TemplateError`` when the tests cannot be a
        program. ``nonce`` (lowercase hex) names the doctest test cases; random by default."""
        started = time.perf_counter()
        nonce = nonce or secrets.token_hex(8)
        harness = build(submission, nonce)
        plan = harness.plan
        limits = submission.limits
        compile_steps: tuple[Step, ...]
        if plan.mode is Mode.PROGRAM:
            inputs, run = stdin_runs(submission.tests, toolchain.program_run_argv())
            files = {toolchain.SOLUTION_SOURCE: submission.code.encode()} | inputs
            compile_steps = (Step("compile", toolchain.program_compile_argv()),)
        else:
            files, compile_steps, run = self._function_steps(submission, harness.source, plan)
        job = SandboxJob(
            image=self.image,
            files=files,
            compile=compile_steps,
            compile_limits=limits.compile_step,
            run=run,
            run_limits=limits.run_step,
        )
        return generated_program(job, plan, source=harness.source, generator=GENERATOR, started=started)

    @staticmethod
    def _function_steps(
        submission: Submission, source: str, plan: Plan
    ) -> tuple[dict[str, bytes], tuple[Step, ...], tuple[Step, ...]]:
        """Files, compile steps and run steps of a function-mode job; where the code was not
        fully readable (``plan.doubt``) g++ first checks the code on its own."""
        check = (Step("check", toolchain.solution_check_argv()),) if plan.doubt else ()
        if plan.unbuilt:
            return {toolchain.SOLUTION_SOURCE: submission.code.encode()}, check, ()
        files = {toolchain.HARNESS_SOURCE: source.encode()}
        if plan.doubt:
            files[toolchain.SOLUTION_SOURCE] = submission.code.encode()
        run = tuple(
            Step(f"test-{i}", toolchain.doctest_run_argv(test.case_name), report=True)
            for i, test in enumerate(plan.tests)
        )
        return files, (*check, Step("compile", toolchain.harness_compile_argv())), run

    def grade(self, submission: Submission, program: GeneratedProgram, run: SandboxRun) -> Grade:
        """The Grade of a finished job; never raises for anything the submission did."""
        plan = plan_of(program, Plan)
        if (unfit := judge_doubt(plan, run)) is not None:
            return unfit
        return grade_plan(plan, run, function=judge_function, program=judge_program)


CPP = CppLanguage()

__all__ = ["CPP", "CppLanguage"]
