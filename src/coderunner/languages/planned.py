"""What every plug-in's plan shares, and the bookkeeping that follows from it.

A plug-in's ``generate`` makes a plan (the submission's mode, the function under test,
one planned test per run step, in order) and keeps it as the ``GeneratedProgram``'s
``context``; its ``grade`` takes the plan back and judges each test's outcome. Only the
judging is the plug-in's own: these functions do the rest the same way for every
language. Pure, like the rest of ``languages/``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from coderunner.domain.grading import grade_run
from coderunner.domain.outcome import Grade, ProcessOutcome, TestOutcome
from coderunner.domain.sandbox_job import SandboxJob, SandboxRun
from coderunner.domain.submission import Mode
from coderunner.languages.plugin import GeneratedProgram


class PlannedTestLike(Protocol):
    """What every language's planned test has: the id it reports and whether it is a
    custom validation body."""

    @property
    def test_id(self) -> str: ...

    @property
    def custom(self) -> bool: ...


TestT = TypeVar("TestT", bound=PlannedTestLike)
TestT_co = TypeVar("TestT_co", bound=PlannedTestLike, covariant=True)
PlanT = TypeVar("PlanT")


class PlanLike(Protocol[TestT_co]):
    """What every language's plan has; ``tests`` are in the order of the job's run steps."""

    @property
    def mode(self) -> Mode: ...

    @property
    def tests(self) -> Sequence[TestT_co]: ...

    @property
    def target(self) -> str:
        """The function under test, for messages; empty when there is none."""
        ...


JudgePlanned = Callable[[TestT, ProcessOutcome], TestOutcome]
"""Turns one planned test's process outcome into its TestOutcome."""


def generated_program(
    job: SandboxJob, plan: PlanLike[PlannedTestLike], *, source: str, generator: str, started: float
) -> GeneratedProgram:
    """The ``GeneratedProgram`` of ``job``, keeping ``plan`` for ``grade``; ``started`` is the
    ``time.perf_counter()`` at which generation began."""
    return GeneratedProgram(
        job=job,
        source=source,
        generator=generator,
        test_count=len(plan.tests),
        custom_validation_used=any(test.custom for test in plan.tests),
        generation_ms=round((time.perf_counter() - started) * 1000),
        context=plan,
    )


def plan_of(program: GeneratedProgram, plan_type: type[PlanT]) -> PlanT:
    """The plan ``generated_program`` kept; ``TypeError`` for a program another plug-in made."""
    plan = program.context
    if not isinstance(plan, plan_type):
        raise TypeError("grade() needs the GeneratedProgram that generate() returned")
    return plan


def grade_plan(
    plan: PlanLike[TestT], run: SandboxRun, *, function: JudgePlanned[TestT], program: JudgePlanned[TestT]
) -> Grade:
    """The Grade of a finished job, each test judged by ``program`` or ``function`` after
    the plan's mode; the details name the mode and the function under test."""
    judge_one = program if plan.mode is Mode.PROGRAM else function

    def judge(index: int, outcome: ProcessOutcome) -> TestOutcome:
        return judge_one(plan.tests[index], outcome)

    details = {"mode": plan.mode.value}
    if plan.target:
        details["function"] = plan.target
    return grade_run(run, [test.test_id for test in plan.tests], judge, details)
