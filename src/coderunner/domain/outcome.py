"""What grading produced: per-process outcomes, per-test outcomes and the verdict.

None of these are exceptions: a compile error or a timeout is a value here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ProcessStatus(StrEnum):
    """How one sandboxed process ended (compile, or one test's run)."""

    SUCCESS = "success"
    RUNTIME_ERROR = "runtime_error"  # non-zero exit or killed by a signal of its own making
    TIMEOUT = "timeout"  # wall or CPU time limit
    MEMORY_LIMIT = "memory_limit"  # killed by the cgroup OOM killer
    OUTPUT_LIMIT = "output_limit"  # stdout/stderr cap or RLIMIT_FSIZE hit
    NOT_RUN = "not_run"  # never started: an earlier step used the budget or failed
    INTERNAL_ERROR = "internal_error"  # the sandbox lost track of it


@dataclass(frozen=True)
class ProcessOutcome:
    """Evidence about one process, as measured from outside the program."""

    status: ProcessStatus
    exit_code: int | None = None
    signal: str | None = None  # e.g. "SIGSEGV"
    wall_ms: int = 0
    cpu_ms: int = 0
    peak_memory_kb: int = 0
    stdout: bytes = b""
    stderr: bytes = b""
    report: bytes = b""  # machine-readable channel (fd 3), e.g. doctest's XML
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    report_truncated: bool = False

    @property
    def peak_memory_mb(self) -> float:
        return round(self.peak_memory_kb / 1024, 2)


class Verdict(StrEnum):
    """The answer for a whole submission."""

    ACCEPTED = "accepted"
    WRONG_ANSWER = "wrong_answer"
    COMPILATION_ERROR = "compilation_error"
    COMPILATION_TIMEOUT = "compilation_timeout"
    COMPILATION_MEMORY_LIMIT = "compilation_memory_limit"
    RUNTIME_ERROR = "runtime_error"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    TEMPLATE_ERROR = "template_error"
    INTERNAL_ERROR = "internal_error"


class TestStatus(StrEnum):
    __test__ = False

    PASSED = "passed"
    FAILED = "failed"  # ran to the end, wrong answer or failed assertion
    RUNTIME_ERROR = "runtime_error"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    NOT_RUN = "not_run"
    INTERNAL_ERROR = "internal_error"


@dataclass(frozen=True)
class AssertionFailure:
    """One failed check, as the test framework reported it."""

    expression: str
    expected: str | None = None
    actual: str | None = None
    line: int | None = None
    message: str = ""


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False

    test_id: str
    status: TestStatus
    duration_ms: int = 0
    failures: tuple[AssertionFailure, ...] = ()
    stdout: str = ""  # what the program printed (capped); whole-program mode compares this
    stderr: str = ""
    message: str = ""  # why it did not pass, in a sentence

    @property
    def passed(self) -> bool:
        return self.status is TestStatus.PASSED


@dataclass(frozen=True)
class Grade:
    """Everything the pipeline learned about one evaluation."""

    verdict: Verdict
    tests: tuple[TestOutcome, ...] = ()
    compile_output: str = ""
    error_message: str = ""
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    run_wall_ms: int = 0
    run_cpu_ms: int = 0
    peak_memory_kb: int = 0
    compile_wall_ms: int = 0  # the build step's wall time (0: none ran)
    # The exit code of the process that decided the verdict (the failed compiler, the first
    # test that did not pass, else the last test); None when a signal or a limit ended it.
    exit_code: int | None = None
    image_id: str = ""
    compiler_version: str = ""
    details: dict[str, str] = field(default_factory=dict)

    @property
    def approved_test_ids(self) -> list[str]:
        return [t.test_id for t in self.tests if t.passed]

    @property
    def failed_test_ids(self) -> list[str]:
        return [t.test_id for t in self.tests if not t.passed]

    @property
    def passed_count(self) -> int:
        return len(self.approved_test_ids)

    @property
    def success(self) -> bool:
        return self.verdict is Verdict.ACCEPTED
