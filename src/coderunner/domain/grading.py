"""From measured outcomes to a Grade: the verdict, the per-test results and a summary.

Pure and language-independent. A language plug-in says how one test's process outcome
becomes a ``TestOutcome``; this module does the rest the same way for every language:

- a compile step that did not succeed decides the verdict (``COMPILATION_*``) and every
  test is ``NOT_RUN``;
- a test without a process outcome never ran, which counts as not passed;
- all tests passed is ``ACCEPTED``; otherwise the first test that did not pass decides
  (a failed check is ``WRONG_ANSWER``, a crash ``RUNTIME_ERROR``, and so on).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from coderunner.domain.outcome import Grade, ProcessOutcome, ProcessStatus, TestOutcome, TestStatus, Verdict
from coderunner.domain.sandbox_job import RUNTIME_VERSION_LABEL, SandboxRun

TEST_TEXT_LIMIT = 8 * 1024  # per test's stdout/stderr kept in a TestOutcome
GRADE_TEXT_LIMIT = 64 * 1024  # compile output and the stdout/stderr kept in a Grade

_COMPILE_VERDICTS = {
    ProcessStatus.RUNTIME_ERROR: Verdict.COMPILATION_ERROR,  # the compiler exited non-zero
    ProcessStatus.OUTPUT_LIMIT: Verdict.COMPILATION_ERROR,
    ProcessStatus.TIMEOUT: Verdict.COMPILATION_TIMEOUT,
    ProcessStatus.MEMORY_LIMIT: Verdict.COMPILATION_MEMORY_LIMIT,
}
_TEST_VERDICTS = {
    TestStatus.FAILED: Verdict.WRONG_ANSWER,
    TestStatus.RUNTIME_ERROR: Verdict.RUNTIME_ERROR,
    TestStatus.TIMEOUT: Verdict.TIMEOUT,
    TestStatus.MEMORY_LIMIT: Verdict.MEMORY_LIMIT,
    TestStatus.OUTPUT_LIMIT: Verdict.OUTPUT_LIMIT,
}
_PROCESS_TEST_STATUS = {
    ProcessStatus.TIMEOUT: (TestStatus.TIMEOUT, "exceeded the time limit"),
    ProcessStatus.MEMORY_LIMIT: (TestStatus.MEMORY_LIMIT, "exceeded the memory limit"),
    ProcessStatus.OUTPUT_LIMIT: (TestStatus.OUTPUT_LIMIT, "exceeded the output limit"),
    ProcessStatus.NOT_RUN: (TestStatus.NOT_RUN, "did not run: the run phase ended before it started"),
    ProcessStatus.INTERNAL_ERROR: (TestStatus.INTERNAL_ERROR, "the sandbox lost track of the test"),
}
_COMPILE_MESSAGES = {
    Verdict.COMPILATION_ERROR: "Compilation failed.",
    Verdict.COMPILATION_TIMEOUT: "Compilation exceeded the time limit.",
    Verdict.COMPILATION_MEMORY_LIMIT: "Compilation exceeded the memory limit.",
}

JudgeTest = Callable[[int, ProcessOutcome], TestOutcome]
"""Turns the run outcome of test number ``index`` into its TestOutcome."""


def text(data: bytes, limit: int) -> str:
    """Decode program output for people: invalid UTF-8 replaced, cut to ``limit`` bytes."""
    cut = data[:limit].decode("utf-8", errors="replace")
    return cut + "\n[... truncated]" if len(data) > limit else cut


def limit_outcome(test_id: str, outcome: ProcessOutcome) -> TestOutcome | None:
    """The TestOutcome of a process that ended by a limit or never ran, else None."""
    if outcome.status not in _PROCESS_TEST_STATUS:
        return None
    status, message = _PROCESS_TEST_STATUS[outcome.status]
    return measured_outcome(test_id, outcome, status, message)


def measured_outcome(
    test_id: str, outcome: ProcessOutcome, status: TestStatus = TestStatus.FAILED, message: str = ""
) -> TestOutcome:
    """A TestOutcome with the process's duration and output (cut for people); a judge
    starts from the ``FAILED`` one and replaces what it finds out."""
    return TestOutcome(
        test_id,
        status,
        duration_ms=outcome.wall_ms,
        stdout=text(outcome.stdout, TEST_TEXT_LIMIT),
        stderr=text(outcome.stderr, TEST_TEXT_LIMIT),
        message=message,
    )


def verdict_for(tests: Sequence[TestOutcome]) -> Verdict:
    """ACCEPTED when every test passed (and there is one), else the first failure's."""
    first = next((t for t in tests if not t.passed), None)
    if first is None:
        return Verdict.ACCEPTED if tests else Verdict.INTERNAL_ERROR
    return _TEST_VERDICTS.get(first.status, Verdict.INTERNAL_ERROR)


def grade_run(
    run: SandboxRun, test_ids: Sequence[str], judge: JudgeTest, details: Mapping[str, str] | None = None
) -> Grade:
    """The Grade of a job whose run steps are the tests, one step per test, in order."""
    compile_output = "".join(text(o.stderr, GRADE_TEXT_LIMIT) + text(o.stdout, GRADE_TEXT_LIMIT) for o in run.compile)
    base = Grade(
        Verdict.INTERNAL_ERROR,
        compile_output=compile_output,
        image_id=run.image_id,
        compiler_version=run.image_labels.get(RUNTIME_VERSION_LABEL, ""),
        details=dict(details or {}),
        compile_wall_ms=sum(o.wall_ms for o in run.compile),
    )
    failed = next((o for o in run.compile if o.status is not ProcessStatus.SUCCESS), None)
    if failed is not None:
        message = "not run: the program did not compile"
        not_run = tuple(TestOutcome(test_id, TestStatus.NOT_RUN, message=message) for test_id in test_ids)
        truncated = "\n[compiler output truncated]" if failed.status is ProcessStatus.OUTPUT_LIMIT else ""
        verdict = _COMPILE_VERDICTS.get(failed.status, Verdict.INTERNAL_ERROR)
        return replace(
            base, verdict=verdict, tests=not_run, error_message=compile_output + truncated, exit_code=failed.exit_code
        )
    tests = tuple(
        judge(index, run.run[index]) if index < len(run.run) else TestOutcome(test_id, TestStatus.NOT_RUN)
        for index, test_id in enumerate(test_ids)
    )
    verdict = verdict_for(tests)
    shown_index = next((i for i, t in enumerate(tests) if not t.passed), len(tests) - 1)
    shown = run.run[shown_index] if 0 <= shown_index < len(run.run) else ProcessOutcome(ProcessStatus.NOT_RUN)
    first_failure = tests[shown_index] if tests and not tests[shown_index].passed else None
    return replace(
        base,
        verdict=verdict,
        tests=tests,
        error_message=first_failure.message if first_failure and verdict is not Verdict.WRONG_ANSWER else "",
        stdout=text(shown.stdout, GRADE_TEXT_LIMIT),
        stderr=text(shown.stderr, GRADE_TEXT_LIMIT),
        stdout_truncated=shown.stdout_truncated,
        stderr_truncated=shown.stderr_truncated,
        run_wall_ms=sum(o.wall_ms for o in run.run),
        run_cpu_ms=sum(o.cpu_ms for o in run.run),
        peak_memory_kb=max((o.peak_memory_kb for o in run.run), default=0),
        exit_code=shown.exit_code,
    )


def summary(grade: Grade) -> str:
    """One sentence for people, e.g. ``2 of 3 tests passed; test-3 failed: expected 4, got 5``."""
    if grade.verdict in _COMPILE_MESSAGES:
        return _COMPILE_MESSAGES[grade.verdict]
    total = len(grade.tests)
    if grade.verdict is Verdict.ACCEPTED:
        return f"All {total} test{'s' if total != 1 else ''} passed."
    sentence = f"{grade.passed_count} of {total} tests passed"
    first = next((t for t in grade.tests if not t.passed), None)
    if first is not None:
        sentence += f"; {first.test_id}: {first.message or first.status.value.replace('_', ' ')}"
    return sentence + "."
