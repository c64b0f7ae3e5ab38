"""The `coderunner` command: serve, run a local solution, build images, check the set-up."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from coderunner.entrypoints.cli.config import EXIT_ERROR, DatabaseUrl, settings_or_exit
from coderunner.entrypoints.cli.keys import app as keys_app
from coderunner.entrypoints.cli.render import labelled
from coderunner.errors import CoderunnerError

app = typer.Typer(help="Grade untrusted code in hardened, single-use Docker containers.", no_args_is_help=True)
images_app = typer.Typer(help="Sandbox images (built from Debian packages, no registry needed).")
app.add_typer(images_app, name="images")
app.add_typer(keys_app, name="keys")
console = Console()
errors = Console(stderr=True)

EXIT_ALL_PASSED, EXIT_SOME_FAILED = 0, 1


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    http_port: Annotated[int | None, typer.Option(help="REST port.")] = None,
    grpc_port: Annotated[int | None, typer.Option(help="gRPC port.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Serve the REST and gRPC APIs: grading in this process, or with CODERUNNER_BROKER_URL through workers."""
    from coderunner.entrypoints.server import serve as run_server

    settings = settings_or_exit(host=host, http_port=http_port, grpc_port=grpc_port, database_url=database_url)
    try:
        asyncio.run(run_server(settings))
    except CoderunnerError as exc:
        errors.print(labelled("cannot serve", exc, "red"))
        raise typer.Exit(EXIT_ERROR) from exc


@app.command()
def worker(database_url: DatabaseUrl = None) -> None:
    """Grade evaluations from the broker's queues (scale-out: needs CODERUNNER_BROKER_URL)."""
    from coderunner.entrypoints.worker import work

    settings = settings_or_exit(database_url=database_url)
    try:
        asyncio.run(work(settings))
    except CoderunnerError as exc:
        errors.print(labelled("cannot work", exc, "red"))
        raise typer.Exit(EXIT_ERROR) from exc


@app.command()
def run(
    solution: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Source file to grade.")],
    tests: Annotated[Path, typer.Option("--tests", exists=True, dir_okay=False, help="JSON list of test cases.")],
    language: Annotated[
        str | None, typer.Option(help="Language of the solution (default: told by the file's extension).")
    ] = None,
    function_name: Annotated[str | None, typer.Option(help="Function under test, when there are several.")] = None,
    mode: Annotated[
        str | None, typer.Option(help="function or program (default: the language infers it from the code).")
    ] = None,
    timeout_s: Annotated[float | None, typer.Option(help="Wall budget of all tests together, seconds.")] = None,
    memory_mb: Annotated[int | None, typer.Option(help="Memory of the tests, MB.")] = None,
    cpus: Annotated[float | None, typer.Option(help="CPU share of the tests.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole result as JSON.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Grade SOLUTION against TESTS through the same pipeline as the service.

    A limit not given is the language's default; one above CODERUNNER_MAX_* is refused.

    Exit code: 0 all tests passed, 1 some failed, 2 error.
    """
    from coderunner.entrypoints.cli.local_run import evaluate_file
    from coderunner.entrypoints.cli.render import execution_json, render_execution

    settings = settings_or_exit(database_url=database_url)
    try:
        asked = {"timeout_s": timeout_s, "memory_mb": memory_mb, "cpus": cpus}
        limits = {name: value for name, value in asked.items() if value is not None}
        execution = asyncio.run(evaluate_file(settings, solution, tests, language, function_name, mode, limits))
    except (CoderunnerError, ValueError) as exc:
        errors.print(labelled("error", exc, "red"))
        raise typer.Exit(EXIT_ERROR) from exc
    if as_json:
        console.print_json(json.dumps(execution_json(execution)))
    else:
        render_execution(console, execution)
    grade = execution.grade
    if grade is None or grade.verdict.value in ("internal_error", "template_error"):
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_ALL_PASSED if grade.success else EXIT_SOME_FAILED)


@images_app.command("build")
def images_build(
    languages: Annotated[
        list[str] | None, typer.Argument(metavar="[LANGUAGE]...", help="Only these languages (default: all).")
    ] = None,
) -> None:
    """Build the sandbox images that are missing or out of date (idempotent)."""
    from coderunner.domain.sandbox_job import RUNTIME_VERSION_LABEL
    from coderunner.languages.registry import available_languages, get_language
    from coderunner.sandbox.engine import connect
    from coderunner.sandbox.images import ImageBuilder

    settings = settings_or_exit()
    try:
        chosen = [get_language(name) for name in languages or available_languages()]
        builder = ImageBuilder(connect(settings.docker_host), settings.images_dir)
        for language in chosen:
            before = builder.state(language.image)
            image = builder.ensure(language.image)
            action = "up to date" if before.current else "built"
            version = image.labels.get(RUNTIME_VERSION_LABEL, "")
            console.print(f"{language.image}: {action} ({image.short_id}, {version})")
    except CoderunnerError as exc:
        errors.print(labelled("error", exc, "red"))
        raise typer.Exit(EXIT_ERROR) from exc


@app.command()
def doctor(
    worker: Annotated[
        bool, typer.Option("--worker", help="Check what `coderunner worker` needs (engine, images, database, broker).")
    ] = False,
) -> None:
    """Check what `coderunner serve` needs and say what to fix: the engine, its runtime, the images and
    the database; with CODERUNNER_BROKER_URL (an API node) the database and the broker."""
    from coderunner.entrypoints.cli.checkup import run_checks
    from coderunner.entrypoints.cli.render import render_checks

    checks = run_checks(settings_or_exit(), worker=worker)
    render_checks(console, checks)
    if any(check.status == "fail" for check in checks):
        raise typer.Exit(EXIT_ERROR)
