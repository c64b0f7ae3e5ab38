"""`coderunner keys create|list|revoke`: the API keys of the configured database.

``create`` prints the new key's secret alone on stdout (so ``KEY=$(coderunner keys create
NAME)`` works) and what was made on stderr; the secret is not stored and cannot be shown
again. Revoking takes effect at once for every server that uses the database.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from coderunner.domain.api_key import ApiKey
from coderunner.entrypoints.cli.config import EXIT_ERROR, DatabaseUrl, settings_or_exit
from coderunner.entrypoints.cli.render import labelled
from coderunner.errors import CoderunnerError
from coderunner.service.keys import SECRET_PREFIX

app = typer.Typer(help="API keys (used when CODERUNNER_REQUIRE_API_KEYS=true).", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)

T = TypeVar("T")
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command()
def create(
    name: Annotated[str, typer.Argument(help="Who the key is for (shown by `keys list`).")],
    rate_per_minute: Annotated[
        int | None, typer.Option(help="Submissions per minute (a burst of that many); default: no limit.")
    ] = None,
    max_concurrent: Annotated[
        int | None, typer.Option(help="Executions running or waiting at once; default: no limit.")
    ] = None,
    as_json: AsJson = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Make a key and print its secret, once."""
    from coderunner.bootstrap import build_key_admin

    settings = settings_or_exit(database_url=database_url)

    async def make() -> tuple[ApiKey, str]:
        keys = build_key_admin(settings)
        return await keys.create(name, rate_per_minute=rate_per_minute, max_concurrent=max_concurrent)

    key, secret = _run(make)
    if as_json:
        console.print_json(json.dumps({**_key_json(key), "key": secret}))
        return
    print(secret)
    errors.print(
        Text(f"created {key.id} ({key.name}), {_limits(key)}; the key is shown only now: keep it", style="green")
    )


@app.command("list")
def list_keys(as_json: AsJson = False, database_url: DatabaseUrl = None) -> None:
    """Every key (never their secrets), revoked ones included."""
    from coderunner.bootstrap import build_key_admin

    settings = settings_or_exit(database_url=database_url)

    async def read() -> list[ApiKey]:
        return list(await build_key_admin(settings).list())

    keys = _run(read)
    if as_json:
        console.print_json(json.dumps([_key_json(key) for key in keys]))
        return
    table = Table()
    table.add_column("id", no_wrap=True, min_width=20)  # copied into `keys revoke`: never cut
    for column in ("name", "created (UTC)", "limits", "status"):
        table.add_column(column)
    for key in keys:
        status = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        table.add_row(
            key.id,
            Text(key.name),
            f"{key.created_at:%Y-%m-%d %H:%M}",
            _limits(key),
            Text(status, style="red" if key.revoked else "green"),
        )
    console.print(table)


@app.command()
def revoke(
    key: Annotated[str, typer.Argument(help="The key's id (key_..., from `keys list`), or the key itself (crk_...).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a key: every request with it is refused (401) from now on."""
    from coderunner.bootstrap import build_key_admin

    settings = settings_or_exit(database_url=database_url)

    async def withdraw() -> ApiKey | None:
        keys = build_key_admin(settings)
        if key.startswith(SECRET_PREFIX):
            found = await keys.identify(key)
            return await keys.revoke(found.id) if found is not None else None
        return await keys.revoke(key)

    revoked = _run(withdraw)
    if revoked is None:
        shown = "the key given" if key.startswith(SECRET_PREFIX) else repr(key)
        errors.print(labelled("error", f"no API key matches {shown} (see `coderunner keys list`)", "red"))
        raise typer.Exit(EXIT_ERROR)
    console.print(Text(f"revoked {revoked.id} ({revoked.name})"))


def _run(work: Callable[[], Coroutine[object, object, T]]) -> T:
    try:
        return asyncio.run(work())
    except CoderunnerError as exc:
        errors.print(labelled("error", exc, "red"))
        raise typer.Exit(EXIT_ERROR) from exc


def _limits(key: ApiKey) -> str:
    rate = f"{key.rate_per_minute}/min" if key.rate_per_minute else "no rate limit"
    concurrent = f"{key.max_concurrent} at once" if key.max_concurrent else "no concurrency limit"
    return f"{rate}, {concurrent}"


def _key_json(key: ApiKey) -> dict[str, object]:
    return {
        "id": key.id,
        "name": key.name,
        "created_at": key.created_at.isoformat(),
        "rate_per_minute": key.rate_per_minute,
        "max_concurrent": key.max_concurrent,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }
