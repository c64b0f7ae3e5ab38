"""Every timed submission must be accepted: a compile error is fast, and would flatter any path."""

from __future__ import annotations

from bench.workload import Exercise
from coderunner.domain.outcome import Grade, Verdict


class NotAcceptedError(RuntimeError):
    """A workload exercise was not accepted on some path: the measurement is void."""

    def __init__(self, path: str, exercise: Exercise, detail: str) -> None:
        super().__init__(f"{path}: exercise {exercise.name!r} was not accepted: {detail}")


def accepted_or_raise(path: str, exercise: Exercise, grade: Grade) -> None:
    if grade.verdict is not Verdict.ACCEPTED:
        failed = [f"{t.test_id}: {t.status.value} {t.message}" for t in grade.tests if not t.passed]
        detail = f"{grade.verdict.value} {grade.error_message} {grade.compile_output[-1500:]} {failed}"
        raise NotAcceptedError(path, exercise, detail)


def check_verdict(path: str, exercise: Exercise, verdict: str, detail: str) -> None:
    """The same check for a verdict that came over the wire."""
    if verdict != Verdict.ACCEPTED.value:
        raise NotAcceptedError(path, exercise, f"{verdict}: {detail}")
