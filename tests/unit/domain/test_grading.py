"""The verdict comes from the compile step, then from the first test that did not pass."""

from __future__ import annotations

import pytest

from coderunner.domain.grading import GRADE_TEXT_LIMIT, grade_run, limit_outcome, summary, text, verdict_for
from coderunner.domain.outcome import Grade, ProcessOutcome, ProcessStatus, TestOutcome, TestStatus, Verdict
from coderunner.domain.sandbox_job import RUNTIME_VERSION_LABEL, SandboxRun

OK = ProcessOutcome(ProcessStatus.SUCCESS, 0)


def by_stdout(index: int, outcome: ProcessOutcome) -> TestOutcome:
    """A judge for these tests: stdout names the status."""
    status = TestStatus(outcome.stdout.decode()) if outcome.stdout else TestStatus.PASSED
    return TestOutcome(f"t{index}", status, duration_ms=outcome.wall_ms, message=f"{status} message")


def printed(status: TestStatus, **extra: object) -> ProcessOutcome:
    return ProcessOutcome(ProcessStatus.SUCCESS, 0, stdout=status.value.encode(), **extra)  # type: ignore[arg-type]


def outcome(test_id: str, status: TestStatus) -> TestOutcome:
    return TestOutcome(test_id, status)


def test_all_passed_is_accepted() -> None:
    assert Verdict.ACCEPTED == verdict_for([outcome("a", TestStatus.PASSED), outcome("b", TestStatus.PASSED)])


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (TestStatus.FAILED, Verdict.WRONG_ANSWER),
        (TestStatus.RUNTIME_ERROR, Verdict.RUNTIME_ERROR),
        (TestStatus.TIMEOUT, Verdict.TIMEOUT),
        (TestStatus.MEMORY_LIMIT, Verdict.MEMORY_LIMIT),
        (TestStatus.OUTPUT_LIMIT, Verdict.OUTPUT_LIMIT),
        (TestStatus.NOT_RUN, Verdict.INTERNAL_ERROR),
        (TestStatus.INTERNAL_ERROR, Verdict.INTERNAL_ERROR),
    ],
)
def test_the_first_test_that_did_not_pass_decides(status: TestStatus, verdict: Verdict) -> None:
    tests = [outcome("a", TestStatus.PASSED), outcome("b", status), outcome("c", TestStatus.TIMEOUT)]
    assert verdict == verdict_for(tests)


def test_no_tests_is_never_accepted() -> None:
    assert Verdict.INTERNAL_ERROR == verdict_for([])


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (ProcessStatus.RUNTIME_ERROR, Verdict.COMPILATION_ERROR),
        (ProcessStatus.OUTPUT_LIMIT, Verdict.COMPILATION_ERROR),
        (ProcessStatus.TIMEOUT, Verdict.COMPILATION_TIMEOUT),
        (ProcessStatus.MEMORY_LIMIT, Verdict.COMPILATION_MEMORY_LIMIT),
        (ProcessStatus.INTERNAL_ERROR, Verdict.INTERNAL_ERROR),
    ],
)
def test_a_failed_compile_decides_and_no_test_runs(status: ProcessStatus, verdict: Verdict) -> None:
    run = SandboxRun(compile=(ProcessOutcome(status, 1, stderr=b"error: x"),), run=(printed(TestStatus.PASSED),))
    grade = grade_run(run, ["a", "b"], by_stdout)
    assert (verdict, [TestStatus.NOT_RUN, TestStatus.NOT_RUN]) == (grade.verdict, [t.status for t in grade.tests])
    assert "error: x" == grade.compile_output


def test_truncated_compiler_output_says_so() -> None:
    run = SandboxRun(compile=(ProcessOutcome(ProcessStatus.OUTPUT_LIMIT, stderr=b"e" * 10),), run=())
    assert grade_run(run, ["a"], by_stdout).error_message.endswith("[compiler output truncated]")


def test_tests_without_a_run_outcome_never_ran_and_do_not_pass() -> None:
    run = SandboxRun(compile=(OK,), run=(printed(TestStatus.PASSED),))
    grade = grade_run(run, ["a", "b"], by_stdout)
    assert (Verdict.INTERNAL_ERROR, [TestStatus.PASSED, TestStatus.NOT_RUN]) == (
        grade.verdict,
        [t.status for t in grade.tests],
    )


def test_metrics_are_summed_and_the_peak_is_the_largest() -> None:
    run = SandboxRun(
        compile=(OK,),
        run=(
            printed(TestStatus.PASSED, wall_ms=10, cpu_ms=7, peak_memory_kb=300),
            printed(TestStatus.PASSED, wall_ms=5, cpu_ms=2, peak_memory_kb=200),
        ),
    )
    grade = grade_run(run, ["a", "b"], by_stdout)
    assert (15, 9, 300) == (grade.run_wall_ms, grade.run_cpu_ms, grade.peak_memory_kb)


def test_the_grade_shows_the_first_failing_tests_output() -> None:
    run = SandboxRun(
        compile=(OK,),
        run=(
            printed(TestStatus.PASSED),
            printed(TestStatus.RUNTIME_ERROR, stderr=b"boom", stderr_truncated=True),
            printed(TestStatus.FAILED),
        ),
    )
    grade = grade_run(run, ["a", "b", "c"], by_stdout)
    assert (Verdict.RUNTIME_ERROR, "runtime_error", "boom", True, "runtime_error message") == (
        grade.verdict,
        grade.stdout,
        grade.stderr,
        grade.stderr_truncated,
        grade.error_message,
    )


def test_a_wrong_answer_is_not_an_error_message() -> None:
    run = SandboxRun(compile=(OK,), run=(printed(TestStatus.FAILED),))
    assert "" == grade_run(run, ["a"], by_stdout).error_message


def test_image_identity_and_details_are_kept() -> None:
    run = SandboxRun(compile=(OK,), run=(OK,), image_id="sha256:9", image_labels={RUNTIME_VERSION_LABEL: "14.2.0"})
    grade = grade_run(run, ["a"], by_stdout, {"mode": "function"})
    assert ("sha256:9", "14.2.0", {"mode": "function"}) == (grade.image_id, grade.compiler_version, grade.details)


@pytest.mark.parametrize(
    ("status", "test_status"),
    [
        (ProcessStatus.TIMEOUT, TestStatus.TIMEOUT),
        (ProcessStatus.MEMORY_LIMIT, TestStatus.MEMORY_LIMIT),
        (ProcessStatus.OUTPUT_LIMIT, TestStatus.OUTPUT_LIMIT),
        (ProcessStatus.NOT_RUN, TestStatus.NOT_RUN),
        (ProcessStatus.INTERNAL_ERROR, TestStatus.INTERNAL_ERROR),
    ],
)
def test_limits_become_test_statuses(status: ProcessStatus, test_status: TestStatus) -> None:
    limited = limit_outcome("t", ProcessOutcome(status, wall_ms=9))
    assert limited is not None
    assert (test_status, 9) == (limited.status, limited.duration_ms)


def test_ordinary_endings_are_left_to_the_language() -> None:
    assert limit_outcome("t", ProcessOutcome(ProcessStatus.RUNTIME_ERROR, 1)) is None


def test_text_replaces_invalid_utf8_and_marks_truncation() -> None:
    assert "a\ufffd" == text(b"a\xff", 10)
    assert "ab\n[... truncated]" == text(b"abc", 2)
    assert GRADE_TEXT_LIMIT > 1000


@pytest.mark.parametrize(
    ("grade", "sentence"),
    [
        (Grade(Verdict.ACCEPTED, (outcome("a", TestStatus.PASSED),)), "All 1 test passed."),
        (Grade(Verdict.COMPILATION_ERROR), "Compilation failed."),
        (Grade(Verdict.COMPILATION_TIMEOUT), "Compilation exceeded the time limit."),
        (
            Grade(
                Verdict.WRONG_ANSWER,
                (
                    outcome("a", TestStatus.PASSED),
                    TestOutcome("b", TestStatus.FAILED, message="returned 5, expected 4"),
                ),
            ),
            "1 of 2 tests passed; b: returned 5, expected 4.",
        ),
        (Grade(Verdict.TIMEOUT, (outcome("a", TestStatus.TIMEOUT),)), "0 of 1 tests passed; a: timeout."),
    ],
)
def test_summary_is_one_sentence(grade: Grade, sentence: str) -> None:
    assert sentence == summary(grade)


def test_the_grade_keeps_the_build_time_and_the_deciding_exit_code() -> None:
    """For the execution event: the compile steps' wall time, and the exit code of the process
    that decided the verdict (the first test that did not pass; the compiler when it failed)."""
    built = (
        ProcessOutcome(ProcessStatus.SUCCESS, 0, wall_ms=300),
        ProcessOutcome(ProcessStatus.SUCCESS, 0, wall_ms=20),
    )
    runs = (OK, ProcessOutcome(ProcessStatus.SUCCESS, 3, stdout=b"runtime_error"), OK)
    grade = grade_run(SandboxRun(compile=built, run=runs), ["t0", "t1", "t2"], by_stdout)
    assert (320, 3) == (grade.compile_wall_ms, grade.exit_code)

    failed = (ProcessOutcome(ProcessStatus.RUNTIME_ERROR, 1, wall_ms=50),)
    not_built = grade_run(SandboxRun(compile=failed, run=()), ["t0"], by_stdout)
    assert (50, 1) == (not_built.compile_wall_ms, not_built.exit_code)
