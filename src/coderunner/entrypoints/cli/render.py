"""How `coderunner run` and `coderunner doctor` look on a terminal.

Everything that comes from a submission, a record or an error (test ids, messages,
program output) reaches Rich as ``Text``, never as markup: brackets in it are printed as
written, and a stray ``[/x]`` cannot break the rendering.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from coderunner.domain.execution import Execution
from coderunner.domain.outcome import TestOutcome
from coderunner.entrypoints.cli.checkup import Check

STATUS_STYLE = {"passed": "green", "ok": "green", "warn": "yellow", "fail": "red"}


def labelled(label: str, message: object, style: str = "bold") -> Text:
    """``label: message`` with only the label styled; ``message`` is shown literally."""
    return Text.assemble((f"{label}:", style), " ", str(message))


def render_execution(console: Console, execution: Execution) -> None:
    grade = execution.grade
    if grade is None:
        console.print(labelled(str(execution.status), execution.error_message, "red"))
        return
    title = f"{grade.verdict.value} — {grade.passed_count}/{len(execution.submission.tests)} passed"
    table = Table(title=Text(title))
    for column in ("test", "status", "ms", "evidence"):
        table.add_column(column)
    for outcome in grade.tests:
        style = STATUS_STYLE.get(outcome.status.value, "red")
        table.add_row(
            Text(outcome.test_id),
            Text(outcome.status.value, style=style),
            Text(str(outcome.duration_ms)),
            Text(_evidence(outcome)),
        )
    console.print(table)
    if grade.compile_output:
        console.print(Text("compiler output", style="bold"))
        console.print(Text(grade.compile_output))
    if grade.error_message:
        console.print(labelled(execution.error_type or "note", grade.error_message))
    console.print(
        Text(
            f"run {grade.run_wall_ms} ms wall, {grade.run_cpu_ms} ms CPU, peak {grade.peak_memory_kb / 1024:.1f} MB"
            f" — execution {execution.id}"
        )
    )


def _evidence(outcome: TestOutcome) -> str:
    if outcome.passed:
        return ""
    lines = [outcome.message] if outcome.message else []
    for failure in outcome.failures:
        if failure.expected is not None or failure.actual is not None:
            lines.append(f"{failure.expression}: expected {failure.expected}, got {failure.actual}")
        else:
            lines.append(failure.expression or failure.message)
    return "\n".join(lines)


def render_checks(console: Console, checks: list[Check]) -> None:
    table = Table(title="coderunner doctor")
    for column in ("check", "status", "detail"):
        table.add_column(column)
    for check in checks:
        table.add_row(Text(check.name), Text(check.status, style=STATUS_STYLE[check.status]), Text(check.detail))
    console.print(table)


def execution_json(execution: Execution) -> dict[str, Any]:
    """The same document as the REST API's GET /v1/executions/{id}."""
    from coderunner.entrypoints.rest.schemas import ExecutionOut

    return ExecutionOut.from_execution(execution).model_dump(mode="json")
