"""Whole programs in every language (languages/program_output.py): each test's input is its
own file, fed as stdin to one run step per test, in order."""

from __future__ import annotations

from coderunner.domain.sandbox_job import Step
from coderunner.domain.submission import TestCase
from coderunner.languages.program_output import stdin_runs


def test_each_test_is_one_step_reading_its_own_input_file() -> None:
    tests = [TestCase("a", "1 2\n", "3"), TestCase("b", "", "0")]

    files, run = stdin_runs(tests, ("./program",))

    assert {"tests/0.in": b"1 2\n", "tests/1.in": b""} == files
    assert (
        Step("test-0", ("./program",), stdin_path="tests/0.in"),
        Step("test-1", ("./program",), stdin_path="tests/1.in"),
    ) == run
