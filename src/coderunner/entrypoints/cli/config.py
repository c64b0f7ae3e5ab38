"""What every command shares: the settings (bad values exit 2, naming them) and common options."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from coderunner.entrypoints.cli.render import labelled
from coderunner.settings import Settings, load_settings

EXIT_ERROR = 2
DatabaseUrl = Annotated[str | None, typer.Option(help="SQLAlchemy URL (default: CODERUNNER_DATABASE_URL or SQLite).")]


def settings_or_exit(**overrides: object) -> Settings:
    """The settings with ``overrides`` and logging configured; a bad value exits 2 naming it."""
    from coderunner.logs import configure_logging

    try:
        settings = load_settings(**overrides)
    except ValueError as exc:
        Console(stderr=True).print(labelled("invalid configuration", exc, "red"))
        raise typer.Exit(EXIT_ERROR) from exc
    configure_logging(settings.log_format, settings.log_level)
    return settings
