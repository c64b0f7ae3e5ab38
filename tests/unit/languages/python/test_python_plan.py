"""The sandbox job of a Python submission: what enters the sandbox, and what stays out."""

from __future__ import annotations

import marshal

import pytest

from coderunner.domain.submission import Mode, Submission, TestCase
from coderunner.errors import TemplateError
from coderunner.languages.python import PYTHON
from coderunner.languages.python.plan import Plan


def generate(
    code: str, tests: list[TestCase], function_name: str | None = None, mode: str | None = None
) -> tuple[dict[str, bytes], Plan]:
    submission = Submission.create(language="python", code=code, tests=tests, function_name=function_name, mode=mode)
    program = PYTHON.generate(submission)
    assert isinstance(program.context, Plan)
    return dict(program.job.files), program.context


def test_expected_values_stay_out_of_the_sandbox() -> None:
    files, plan = generate("def f(x: float) -> float:\n    return x\n", [TestCase("t", "2", "424242.5")])

    assert all(b"424242" not in content for content in files.values())
    assert {"target": {"name": "f", "owner": None}, "args": (2.0,)} == marshal.loads(files["tests/0.test"])
    assert "424242.5" == plan.tests[0].expected


def test_each_test_is_its_own_process_with_its_own_nonce() -> None:
    submission = Submission.create(
        language="python", code="def f(x):\n    return x\n", tests=[TestCase("a", "1", "1"), TestCase("b", "2", "2")]
    )

    job = PYTHON.generate(submission).job

    nonces = [step.argv[-1] for step in job.run]
    assert 2 == len(set(nonces))
    assert all(len(nonce) == 32 for nonce in nonces)
    assert ("tests/0.test", "tests/1.test") == tuple(step.stdin_path for step in job.run)
    assert all(step.report for step in job.run)


def test_a_whole_program_gets_each_input_on_stdin() -> None:
    files, plan = generate("print(input())\n", [TestCase("a", "hello", "hello")])

    assert (Mode.PROGRAM, b"hello") == (plan.mode, files["tests/0.in"])


def test_custom_validation_needs_an_assert() -> None:
    with pytest.raises(TemplateError, match="no assert statement"):
        generate("def f(x):\n    return x\n", [TestCase("c", custom_validation_code="f(1)")])


def test_custom_validation_needs_a_function_to_call() -> None:
    with pytest.raises(TemplateError, match="whole program"):
        generate("print(1)\n", [TestCase("c", custom_validation_code="assert True")])


def test_a_set_of_lists_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="a set cannot hold lists"):
        generate("def f(x: set[list[int]]):\n    return 1\n", [TestCase("t", "[[1]]", "1")])


def test_an_unparseable_literal_names_the_test_and_field() -> None:
    with pytest.raises(TemplateError, match="input") as caught:
        generate("def f(x):\n    return x\n", [TestCase("bad", "[1, 2", "1")])
    assert "bad" == caught.value.test_id


def test_code_the_host_cannot_parse_only_runs_the_build_step() -> None:
    submission = Submission.create(language="python", code="def f(:\n", tests=[TestCase("t", "1", "1")])

    job = PYTHON.generate(submission).job

    assert (1, 0) == (len(job.compile), len(job.run))


def test_an_explicit_function_mode_tests_the_function_of_a_script() -> None:
    code = "def add(a, b):\n    return a + b\n\nif __name__ == '__main__':\n    print(add(1, 2))\n"

    _, inferred = generate(code, [TestCase("t", "1, 2", "3")])
    _, explicit = generate(code, [TestCase("t", "1, 2", "3")], mode="function")

    assert (Mode.PROGRAM, Mode.FUNCTION, "add") == (inferred.mode, explicit.mode, explicit.target)


def test_an_explicit_program_mode_runs_code_that_only_defines() -> None:
    _, plan = generate("def add(a, b):\n    return a + b\n", [TestCase("t", "", "")], mode="program")

    assert Mode.PROGRAM == plan.mode


def test_an_explicit_function_mode_needs_a_function() -> None:
    with pytest.raises(TemplateError, match="no function takes"):
        generate("print(1)\n", [TestCase("t", "1", "1")], mode="function")
