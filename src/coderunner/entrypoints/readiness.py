"""Is this process ready to grade? Shared by REST's /readyz, gRPC's health service and `coderunner doctor`.

Ready means: the Docker engine answers, every language's image is present and built
from the current recipe, and the database answers. On an API node of a scale-out
deployment, which runs no sandbox, it means: the database and the broker answer and at
least one worker is alive. Each probe goes through the
services (image builder, store port), never to Docker or SQL directly. Every check
says in plain words what it found and where (the engine's address, the database's),
and every check runs even when another fails.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from coderunner.bootstrap import Services
from coderunner.broker.links import describe_workers
from coderunner.errors import CoderunnerError
from coderunner.languages.registry import available_languages, get_language
from coderunner.sandbox.images import ImageBuilder
from coderunner.service.ports import ExecutionFilter
from coderunner.settings import Settings

PROBE_TIMEOUT_S = 5.0
DEFAULT_ENGINE = "unix:///var/run/docker.sock"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def engine_address(settings: Settings) -> str:
    """Where the engine is reached: the setting, else DOCKER_HOST, else the local socket."""
    return settings.docker_host or os.environ.get("DOCKER_HOST") or DEFAULT_ENGINE


def database_address(url: str) -> str:
    """The database URL without user and password.

    >>> database_address("postgresql+psycopg://cr:secret@db.local:5432/coderunner")
    'postgresql+psycopg://db.local:5432/coderunner'
    """
    scheme, separator, rest = url.partition("://")
    return f"{scheme}{separator}{rest.rpartition('@')[2]}" if separator else url


def plain(exc: BaseException) -> str:
    """An exception in one short line: the operating system's reason when one is at its root
    (``No such file or directory``, ``Connection refused``), else its first line.
    """
    cause = _os_error(exc)
    if cause is not None and cause.strerror:
        return cause.strerror
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    if isinstance(exc, CoderunnerError):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _os_error(exc: BaseException | None, depth: int = 0) -> OSError | None:
    """The OSError inside ``exc``: its causes and, as requests and urllib3 nest them, its arguments."""
    if exc is None or depth > 8:
        return None
    if isinstance(exc, OSError) and exc.strerror:
        return exc
    nested = [exc.__cause__, exc.__context__, *(arg for arg in exc.args if isinstance(arg, BaseException))]
    for inner in nested:
        found = _os_error(inner, depth + 1)
        if found is not None:
            return found
    return None


async def check_readiness(services: Services) -> list[Check]:
    """One ``Check`` per dependency (engine, each image, database; or on an API node: broker,
    database); never raises for a failed one."""
    if services.images is None:  # an API node: it has no engine, its workers do
        return list(await asyncio.gather(_broker(services), _database(services)))
    images, database = await asyncio.gather(_images(services.images), _database(services))
    return [_engine(services.settings, images), *(check for check, _ in images), database]


async def _images(builder: ImageBuilder) -> list[tuple[Check, bool]]:
    """Each image's check, and whether the engine answered its probe."""
    checks: list[tuple[Check, bool]] = []
    for language in map(get_language, available_languages()):
        name = f"image {language.image}"
        try:
            state = await asyncio.wait_for(asyncio.to_thread(builder.state, language.image), PROBE_TIMEOUT_S)
        except TimeoutError:
            detail = f"unknown: the engine did not answer within {PROBE_TIMEOUT_S:g} s"
            checks.append((Check(name, False, detail), False))
            continue
        except Exception as exc:  # a probe reports every failure; the docker SDK raises more than its own tree
            checks.append((Check(name, False, f"unknown: the engine failed to answer ({plain(exc)})"), False))
            continue
        if not state.present:
            checks.append((Check(name, False, "missing: run `coderunner images build`"), True))
        elif not state.current:
            checks.append((Check(name, False, "built from an older recipe: run `coderunner images build`"), True))
        else:
            checks.append((Check(name, True, f"current ({state.image_id[:19]})"), True))
    return checks


def _engine(settings: Settings, images: list[tuple[Check, bool]]) -> Check:
    address = engine_address(settings)
    if all(answered for _, answered in images):
        return Check("docker engine", True, f"answers at {address}")
    reasons = sorted({check.detail for check, answered in images if not answered})
    return Check("docker engine", False, f"does not answer at {address} ({'; '.join(reasons)})")


async def _database(services: Services) -> Check:
    where = database_address(services.settings.database_url)
    try:
        await asyncio.wait_for(services.store.list(ExecutionFilter(limit=1)), PROBE_TIMEOUT_S)
    except TimeoutError:
        return Check("database", False, f"no answer within {PROBE_TIMEOUT_S:g} s from {where}")
    except Exception as exc:  # a probe reports every failure
        return Check("database", False, f"{where}: {plain(exc)}")
    return Check("database", True, f"answers at {where}")


def broker_address(url: str) -> str:
    """The broker URL without its password (the same rule as ``database_address``)."""
    return database_address(url)


async def _broker(services: Services) -> Check:
    queue, url = services.queue, services.settings.broker_url
    assert queue is not None
    assert url is not None
    where = broker_address(url)
    try:
        workers = await asyncio.wait_for(asyncio.to_thread(queue.workers), PROBE_TIMEOUT_S)
    except TimeoutError:
        return Check("broker", False, f"no answer within {PROBE_TIMEOUT_S:g} s from {where}")
    except Exception as exc:  # a probe reports every failure
        return Check("broker", False, f"{where}: {plain(exc)}")
    if not workers:
        return Check("broker", False, f"answers at {where}, but no worker is connected: start `coderunner worker`")
    return Check("broker", True, f"answers at {where}; workers: {describe_workers(workers)}")
