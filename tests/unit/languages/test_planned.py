"""What every plug-in's plan bookkeeping promises (languages/planned.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from coderunner.domain.outcome import ProcessOutcome, ProcessStatus, TestOutcome, TestStatus
from coderunner.domain.sandbox_job import SandboxJob, SandboxRun, Step
from coderunner.domain.submission import Limits, Mode, Submission, TestCase
from coderunner.languages.planned import generated_program, grade_plan, plan_of
from coderunner.languages.registry import available_languages, get_language


@dataclass(frozen=True)
class Planned:
    test_id: str
    custom: bool = False


@dataclass(frozen=True)
class Plan:
    mode: Mode
    tests: tuple[Planned, ...]
    target: str = ""


def judged_by(name: str) -> Callable[[Planned, ProcessOutcome], TestOutcome]:
    def judge(test: Planned, outcome: ProcessOutcome) -> TestOutcome:
        return TestOutcome(test.test_id, TestStatus.PASSED, message=name)

    return judge


def ran(count: int) -> SandboxRun:
    return SandboxRun(compile=(), run=tuple(ProcessOutcome(ProcessStatus.SUCCESS) for _ in range(count)))


def job() -> SandboxJob:
    limits = Limits()
    return SandboxJob("image", {}, (), limits.compile_step, (Step("test-0", ("true",)),), limits.run_step)


@pytest.mark.parametrize(("mode", "judge"), [(Mode.FUNCTION, "function"), (Mode.PROGRAM, "program")])
def test_each_test_is_judged_in_order_by_the_judge_of_the_plans_mode(mode: Mode, judge: str) -> None:
    plan = Plan(mode, (Planned("a"), Planned("b")))

    grade = grade_plan(plan, ran(2), function=judged_by("function"), program=judged_by("program"))

    assert [("a", judge), ("b", judge)] == [(t.test_id, t.message) for t in grade.tests]


def test_the_details_name_the_mode_and_the_function_under_test_when_there_is_one() -> None:
    judge = judged_by("function")

    with_target = grade_plan(Plan(Mode.FUNCTION, (Planned("a"),), "twice"), ran(1), function=judge, program=judge)
    without = grade_plan(Plan(Mode.PROGRAM, (Planned("a"),)), ran(1), function=judge, program=judge)

    assert {"mode": "function", "function": "twice"} == with_target.details
    assert {"mode": "program"} == without.details


def test_the_generated_program_counts_the_plans_tests_and_keeps_the_plan() -> None:
    plan = Plan(Mode.FUNCTION, (Planned("a"), Planned("b", custom=True)))

    program = generated_program(job(), plan, source="src", generator="gen/1", started=0.0)

    assert (2, True, "src", "gen/1") == (
        program.test_count,
        program.custom_validation_used,
        program.source,
        program.generator,
    )
    assert plan is plan_of(program, Plan)


def test_a_program_with_another_plan_is_refused() -> None:
    program = generated_program(job(), Plan(Mode.FUNCTION, ()), source="", generator="", started=0.0)

    with pytest.raises(TypeError, match="grade\\(\\) needs the GeneratedProgram that generate\\(\\) returned"):
        plan_of(program, Planned)


@pytest.mark.parametrize("name", available_languages())
def test_every_plug_in_refuses_to_grade_a_program_it_did_not_generate(name: str) -> None:
    language = get_language(name)
    submission = Submission.create(language=name, code="x", tests=[TestCase("t", "1", "1")])
    foreign = generated_program(job(), Plan(Mode.FUNCTION, ()), source="", generator="", started=0.0)

    with pytest.raises(TypeError):
        language.grade(submission, foreign, ran(0))
