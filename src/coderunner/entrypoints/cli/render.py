"""How `coderunner run` and `coderunner doctor` look on a terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from coderunner.domain.execution import Execution
from coderunner.domain.outcome import TestOutcome
from coderunner.entrypoints.cli.checkup import Check

STATUS_STYLE = {"passed": "green", "ok": "green", "warn": "yellow", "fail": "red"}


def render_execution(console: Console, execution: Execution) -> None:
    grade = execution.grade
    if grade is None:
        console.print(f"[red]{execution.status}[/red]: {execution.error_message}")
        return
    table = Table(title=f"{grade.verdict.value} — {grade.passed_count}/{len(execution.submission.tests)} passed")
    for column in ("test", "status", "ms", "evidence"):
        table.add_column(column)
    for outcome in grade.tests:
        style = STATUS_STYLE.get(outcome.status.value, "red")
        table.add_row(
            outcome.test_id, f"[{style}]{outcome.status.value}[/{style}]", str(outcome.duration_ms), _evidence(outcome)
        )
    console.print(table)
    if grade.compile_output:
        console.print("[bold]compiler output[/bold]")
        console.print(grade.compile_output, markup=False, highlight=False)
    if grade.error_message:
        console.print(f"[bold]{execution.error_type or 'note'}:[/bold] {grade.error_message}", markup=False)
    console.print(
        f"run {grade.run_wall_ms} ms wall, {grade.run_cpu_ms} ms CPU, peak {grade.peak_memory_kb / 1024:.1f} MB"
        f" — execution {execution.id}"
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
        style = STATUS_STYLE[check.status]
        table.add_row(check.name, f"[{style}]{check.status}[/{style}]", check.detail)
    console.print(table)


def execution_json(execution: Execution) -> dict[str, Any]:
    """The same document as the REST API's GET /v1/executions/{id}."""
    from coderunner.entrypoints.rest.schemas import ExecutionOut

    return ExecutionOut.from_execution(execution).model_dump(mode="json")
