"""The contract every language plug-in fulfils."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from coderunner.domain.outcome import Grade
from coderunner.domain.sandbox_job import SandboxJob, SandboxRun
from coderunner.domain.submission import Submission


@dataclass(frozen=True)
class GeneratedProgram:
    """A submission turned into files and commands, plus what grading will need later.

    ``source`` is the generated test program (stored with the execution); ``context`` is
    private to the plug-in that made it (e.g. which step belongs to which test id).
    """

    job: SandboxJob
    source: str
    generator: str
    test_count: int
    custom_validation_used: bool
    generation_ms: int
    context: object = None


class Language(Protocol):
    """A language plug-in.

    ``generate`` may raise ``TemplateError`` (the tests cannot be turned into a program:
    unparseable literal, no function to call, ...); the pipeline records that as a
    template_error result. ``grade`` never raises for anything the submission did.
    """

    name: str  # wire name, e.g. "cpp"
    display_name: str  # e.g. "C++17 (g++ 14, doctest 2.4.11)"
    image: str  # logical image name; its recipe is docker/<image suffix>/

    def generate(self, submission: Submission) -> GeneratedProgram: ...

    def grade(self, submission: Submission, program: GeneratedProgram, run: SandboxRun) -> Grade: ...
