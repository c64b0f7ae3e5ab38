"""The Java plug-in: OpenJDK 21 (Debian trixie's default JDK) in the coderunner-java image.

Code with a class that declares ``public static void main(String[])`` is a whole
program: compiled as it is and run once per test with the test's input as stdin. Other
code is graded in function mode: each input/expected test calls a method of
``class Solution`` (or a static method of the code's classes) once, in a JVM of its own,
so that an ``exit``, a hang or corrupted static state decides only that test (see
``program.py`` for the generated entry, ``judge.py`` for how a result is trusted). An
explicit mode overrides that rule. A test's ``custom_validation_code`` is the body of a
JUnit 5 test method (``assertEquals``, ``assertArrayEquals``, ``assertThrows``, ...) that
calls the user's code; JUnit's expected/actual message is its evidence.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import replace

from coderunner.domain.outcome import Grade, ProcessOutcome, TestOutcome, Verdict
from coderunner.domain.sandbox_job import SandboxJob, SandboxRun, Step
from coderunner.domain.submission import Limits, Mode, Submission
from coderunner.languages.java import toolchain
from coderunner.languages.java.judge import custom_lines, judge_function, judge_program
from coderunner.languages.java.program import Plan, PlannedTest, build
from coderunner.languages.planned import generated_program, grade_plan, plan_of
from coderunner.languages.plugin import GeneratedProgram
from coderunner.languages.program_output import stdin_runs

GENERATOR = "coderunner-java/1"


class JavaLanguage:
    """The ``Language`` plug-in for Java.

    >>> from coderunner.domain.submission import TestCase
    >>> code = "class Solution { public int twice(int x) { return 2 * x; } }"
    >>> submission = Submission.create(language="java", code=code, tests=[TestCase("t1", "2", "4")])
    >>> JAVA.generate(submission, nonce="ab12").job.run[0].argv[-7:]
    ('coderunner.Harness', 'CoderunnerTests', 'Solution.java', 'CoderunnerTests.java', 'ab12', '0', 'value')
    """

    name = "java"
    display_name = "Java 21 (OpenJDK)"
    image = toolchain.IMAGE
    file_extensions: tuple[str, ...] = (".java",)
    modes: tuple[Mode, ...] = (Mode.FUNCTION, Mode.PROGRAM)
    # javac is a JVM of its own: it needs more memory than a test, and two CPUs: its C1
    # compiler thread works beside its main thread (about 0.2 of its 0.6 CPU-s), and under
    # a one-CPU quota the two take turns, about 0.19 s more per submission (bench/README.md).
    default_limits: Limits = Limits(
        timeout_s=30.0, memory_mb=256, cpus=1.0, compile_timeout_s=30.0, compile_memory_mb=1024, compile_cpus=2.0
    )

    def generate(self, submission: Submission, nonce: str | None = None) -> GeneratedProgram:
        """The sandbox job for ``submission``; ``TemplateError`` when the tests cannot be a
        program. ``nonce`` (hex) authenticates each test's report; random by default."""
        started = time.perf_counter()
        nonce = nonce or secrets.token_hex(16)
        generated = build(submission, nonce)
        plan = generated.plan
        memory_mb = submission.limits.memory_mb
        files = {path: text.encode() for path, text in generated.files.items()}
        if plan.mode is Mode.PROGRAM:
            argv = toolchain.program_argv(memory_mb, plan.main_class, plan.file_name)
            inputs, run = stdin_runs(submission.tests, argv)
            files |= inputs
        else:
            run = tuple(
                Step(
                    f"test-{i}",
                    toolchain.function_argv(memory_mb, plan.tests_class, plan.file_name, nonce, i, test.custom),
                    report=True,
                )
                for i, test in enumerate(plan.tests)
            )
        job = SandboxJob(
            image=self.image,
            files=files,
            compile=toolchain.compile_steps(
                tuple(generated.files), plan.tests_class if plan.mode is Mode.FUNCTION else None
            ),
            compile_limits=submission.limits.compile_step,
            run=run,
            run_limits=submission.limits.run_step,
        )
        source = generated.files.get(f"{plan.tests_class}.java", "")
        return generated_program(job, plan, source=source, generator=GENERATOR, started=started)

    def grade(self, submission: Submission, program: GeneratedProgram, run: SandboxRun) -> Grade:
        """The Grade of a finished job; never raises for anything the submission did."""
        plan = plan_of(program, Plan)

        def judge(test: PlannedTest, outcome: ProcessOutcome) -> TestOutcome:
            return judge_function(test, outcome, plan.nonce)

        if plan.mode is Mode.FUNCTION:
            outcomes = tuple(
                replace(o, stderr=o.stderr.removeprefix(toolchain.SECURITY_MANAGER_WARNING)) for o in run.run
            )
            run = replace(run, run=outcomes)
        graded = grade_plan(plan, run, function=judge, program=judge_program)
        if plan.mode is Mode.PROGRAM or graded.verdict is not Verdict.COMPILATION_ERROR:
            return graded
        return replace(
            graded,
            compile_output=custom_lines(plan, graded.compile_output),
            error_message=custom_lines(plan, graded.error_message),
        )


JAVA = JavaLanguage()

__all__ = ["JAVA", "JavaLanguage"]
