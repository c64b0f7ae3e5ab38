"""The contract every language plug-in fulfils."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from coderunner.domain.outcome import Grade
from coderunner.domain.sandbox_job import SandboxJob, SandboxRun
from coderunner.domain.submission import Limits, Mode, Submission
from coderunner.errors import InvalidSubmission


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
    """A language plug-in: everything the service knows about one language.

    A plug-in lives in ``languages/<name>/`` and its image recipe in ``docker/<name>/``
    (the image ``coderunner-<name>``, whose recipe stamps the exact runtime version);
    ``languages/registry.py`` lists it. Nothing else in the service names a language.

    ``generate`` may raise ``TemplateError`` (the tests cannot be turned into a program:
    unparseable literal, no function to call, a mode the code cannot be run in, ...);
    the pipeline records that as a template_error result. ``grade`` never raises for
    anything the submission did. ``languages/planned.py`` does what every plug-in's
    ``generate`` and ``grade`` share; a plug-in brings its generator and its judges.
    """

    name: str  # wire name, e.g. "cpp"
    display_name: str  # e.g. "C++17 (g++ 14, doctest 2.4.11)"
    image: str  # "coderunner-<name>": its recipe is docker/<name>/
    file_extensions: tuple[str, ...]  # e.g. (".cpp", ".cc"): how the CLI tells a file's language
    modes: tuple[Mode, ...]  # what a submission can be; an explicit mode outside these is refused
    default_limits: Limits  # its build and run steps' limits; operators may override them

    def generate(self, submission: Submission) -> GeneratedProgram: ...

    def grade(self, submission: Submission, program: GeneratedProgram, run: SandboxRun) -> Grade: ...


def check_mode(language: Language, submission: Submission) -> None:
    """``InvalidSubmission("mode")`` when ``submission`` asks for a mode ``language`` does not have."""
    if submission.mode is not None and submission.mode not in language.modes:
        offered = ", ".join(mode.value for mode in language.modes)
        raise InvalidSubmission("mode", f"{language.name} has no {submission.mode.value} mode; it has: {offered}")
