"""coderunner passes and fails exactly the tests that g++ and plain doctest do.

The ground truth of an exercise in ``ground_truth.json`` is its code compiled as the
user wrote it, followed by plain doctest::

    <the code>
    #include <doctest/doctest.h>
    TEST_CASE("t0") { CHECK(<the test's check>); }   an input/expected test: the call, written by hand
    TEST_CASE("t1") { <custom_validation_code> }     a custom test: as it is

built with the image's g++, flags and prebuilt doctest main, and run in the same sandbox,
one test case per process; a test passes there when its process exits 0. Each exercise's
code (and its wrong variant) must pass and fail the same tests with coderunner. Most
exercises define a name the standard library also has (``strlen``, ``index``, ``j1``,
``count``, ``left``, ``round``, ...), so they pass only if the code means what it means
with exactly its own includes; others use names of doctest or code beyond tree-sitter's
grammar. Two are invalid as written and must fail everywhere.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from language_grading import GradeFn

from coderunner.domain.outcome import ProcessStatus
from coderunner.domain.sandbox_job import SandboxJob, Step
from coderunner.domain.submission import TestCase
from coderunner.languages.cpp import CPP, toolchain
from coderunner.sandbox.docker_sandbox import DockerSandbox

pytestmark = [pytest.mark.integration, pytest.mark.verdicts, pytest.mark.timeout(180)]

EXERCISES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "ground_truth.json").read_text())
CASES = [(e, variant) for e in EXERCISES for variant in ("code", "wrong_code") if variant in e]
TRUTH_SOURCE = "truth.cpp"


def truth_program(code: str, tests: list[dict[str, str]]) -> str:
    bodies = [t["custom_validation_code"] or f"CHECK({t['check']});" for t in tests]
    cases = [f'TEST_CASE("t{i}") {{\n{body}\n}}' for i, body in enumerate(bodies)]
    return "\n".join([code, "#include <doctest/doctest.h>", *cases]) + "\n"


async def ground_truth(sandbox: DockerSandbox, code: str, tests: list[dict[str, str]]) -> dict[str, bool]:
    """Which tests pass when the code is compiled as written, then plain doctest."""
    limits = CPP.default_limits
    compile_argv = (toolchain.COMPILER, *toolchain.CXXFLAGS, "-o", "truth", TRUTH_SOURCE, toolchain.DOCTEST_MAIN_OBJECT)
    job = SandboxJob(
        image=toolchain.IMAGE,
        files={TRUTH_SOURCE: truth_program(code, tests).encode()},
        compile=(Step("compile", compile_argv),),
        compile_limits=limits.compile_step,
        run=tuple(Step(f"t{i}", ("./truth", f"--test-case=t{i}", "--no-breaks=true")) for i in range(len(tests))),
        run_limits=limits.run_step,
    )
    run = await sandbox.execute(job)
    compiled = run.compiled
    return {
        t["id"]: compiled and outcome.status is ProcessStatus.SUCCESS and outcome.exit_code == 0
        for t, outcome in zip(tests, run.run, strict=True)
    }


def test_the_set_is_large_and_mostly_about_standard_names() -> None:
    assert len(EXERCISES) >= 20
    assert len([e for e in EXERCISES if "std" in e["clash"] or "<" in e["clash"]]) >= 10
    for exercise in EXERCISES:
        checks = [t for t in exercise["tests"] if not t["custom_validation_code"]]
        assert all(t["check"] for t in checks), exercise["name"]


@pytest.mark.parametrize(("exercise", "variant"), CASES, ids=[f"{e['name']}-{v}" for e, v in CASES])
async def test_every_verdict_equals_the_ground_truth(
    grade: GradeFn, sandbox: DockerSandbox, exercise: dict[str, Any], variant: str
) -> None:
    code = exercise[variant]
    tests = exercise["tests"]
    cases = [TestCase(t["id"], t["input"], t["expected_output"], t["custom_validation_code"]) for t in tests]

    truth = await ground_truth(sandbox, code, tests)
    result = await grade(code, cases, exercise.get("function_name"))

    assert truth == {t.test_id: t.passed for t in result.tests}, (exercise["clash"], result)
    if variant == "code":  # the ground truth itself: a valid exercise's own code passes it
        assert exercise["valid"] == all(truth.values()), truth
