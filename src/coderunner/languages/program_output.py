"""Whole-program tests, in every language: each test's input as stdin, stdout compared
with the expected output.

A test passes when its process exited 0 by itself and printed the expected output,
ignoring whitespace at line ends, ``\\r`` before ``\\n`` and empty lines at the end.
The comparison happens here, outside the sandbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from coderunner.domain.grading import TEST_TEXT_LIMIT, limit_outcome, measured_outcome, text
from coderunner.domain.outcome import AssertionFailure, ProcessOutcome, ProcessStatus, TestOutcome, TestStatus
from coderunner.domain.sandbox_job import Step
from coderunner.domain.submission import TestCase


def stdin_runs(tests: Sequence[TestCase], argv: tuple[str, ...]) -> tuple[dict[str, bytes], tuple[Step, ...]]:
    """The input files and run steps of a whole program: test ``i`` is the step ``test-i``,
    ``argv`` with the file ``tests/i.in`` (that test's input) as stdin."""
    files = {_input_file(i): test.input.encode() for i, test in enumerate(tests)}
    return files, tuple(Step(f"test-{i}", argv, stdin_path=_input_file(i)) for i in range(len(tests)))


def _input_file(index: int) -> str:
    return f"tests/{index}.in"


def judge_output(test_id: str, expected: str, outcome: ProcessOutcome) -> TestOutcome:
    """The TestOutcome of one run of a whole program."""
    if (limited := limit_outcome(test_id, outcome)) is not None:
        return limited
    base = measured_outcome(test_id, outcome)
    if outcome.signal:
        return replace(base, status=TestStatus.RUNTIME_ERROR, message=f"killed by {outcome.signal}")
    if outcome.status is not ProcessStatus.SUCCESS or outcome.exit_code:
        return replace(base, status=TestStatus.RUNTIME_ERROR, message=f"exited with code {outcome.exit_code}")
    if outcome.stdout_truncated:
        return replace(base, status=TestStatus.OUTPUT_LIMIT, message="printed more than the output limit")
    if normalise_output(outcome.stdout) == normalise_output(expected.encode()):
        return replace(base, status=TestStatus.PASSED)
    shown = text(expected.encode(), TEST_TEXT_LIMIT)
    failure = AssertionFailure("stdout == expected_output", expected=shown, actual=base.stdout)
    return replace(base, failures=(failure,), message="the output differs from the expected output")


def normalise_output(data: bytes) -> bytes:
    """Drop whitespace at line ends and empty lines at the end; ``\\r\\n`` counts as ``\\n``."""
    return b"\n".join(line.rstrip() for line in data.split(b"\n")).rstrip(b"\n")
