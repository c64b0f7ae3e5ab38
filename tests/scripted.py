"""Scripted stand-ins for the unit tests of the service and the entry points, which run the
real pipeline, scheduler and store around them: a sandbox that answers when the test
lets it, and a language whose every test passes."""

from __future__ import annotations

import asyncio

from coderunner.domain.outcome import Grade, TestOutcome, TestStatus, Verdict
from coderunner.domain.sandbox_job import SandboxJob, SandboxRun, StepLimits
from coderunner.domain.submission import Submission
from coderunner.languages.plugin import GeneratedProgram


class ScriptedSandbox:
    """Holds every job until ``release`` is set; then answers, or raises ``error``.
    Counts the jobs it was given and the ones cancelled while held."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.jobs = 0
        self.cancelled = 0
        self.error: Exception | None = None

    async def execute(self, job: SandboxJob) -> SandboxRun:
        self.jobs += 1
        self.started.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        if self.error is not None:
            raise self.error
        return SandboxRun(compile=(), run=())

    async def reap(self) -> int:
        return 0


class PassingLanguage:
    """Every test passes once the sandbox answers."""

    name = "cpp"
    display_name = "scripted"
    image = "coderunner-cpp"

    def generate(self, submission: Submission) -> GeneratedProgram:
        limits = StepLimits(wall_s=1, memory_mb=64, cpus=1, output_limit_bytes=1024)
        job = SandboxJob("coderunner-cpp", {}, (), limits, (), limits)
        return GeneratedProgram(job, "// program", "scripted", len(submission.tests), False, 0)

    def grade(self, submission: Submission, program: GeneratedProgram, run: SandboxRun) -> Grade:
        return Grade(Verdict.ACCEPTED, tests=tuple(TestOutcome(t.id, TestStatus.PASSED) for t in submission.tests))
