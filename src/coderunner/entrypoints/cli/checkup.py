"""`coderunner doctor`: what is ready, and for what is not, what to do.

Every check runs and reports, each in plain words: with the engine down, the images are
reported unknown and the database is still checked. It checks what the process this host
runs needs: the embedded server (no broker URL) the engine, its runtime, the images and the
database; an API node (a broker URL) the database and the broker, never the engine (it
grades nothing); a worker (``--worker``) all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from coderunner.errors import CoderunnerError
from coderunner.settings import Settings


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok", "warn" or "fail"
    detail: str


def run_checks(settings: Settings, *, worker: bool = False) -> list[Check]:
    """The checks of an embedded server, an API node, or (``worker``) a worker."""
    if settings.broker_url is None:
        missing = Check("broker", "fail", "CODERUNNER_BROKER_URL is not set: a worker takes its work from a broker")
        return [*_engine_checks(settings), _database_check(settings), *([missing] if worker else [])]
    engine = _engine_checks(settings) if worker else []
    return [*engine, _database_check(settings), _broker_check(settings)]


def _engine_checks(settings: Settings) -> list[Check]:
    from coderunner.entrypoints.readiness import engine_address, plain
    from coderunner.languages.registry import available_languages, get_language
    from coderunner.sandbox.engine import HOW_TO_START, connect
    from coderunner.sandbox.images import ImageBuilder
    from coderunner.sandbox.runtime_check import runc_warning

    address = engine_address(settings)
    images = [f"image {get_language(name).image}" for name in available_languages()]
    try:
        client = connect(settings.docker_host)
        version = client.version()
    except Exception as exc:  # the engine may fail in more ways than connect() maps
        unknown = "unknown: the Docker engine does not answer"
        return [
            Check("docker engine", "fail", f"does not answer at {address} ({plain(exc)}): {HOW_TO_START}"),
            Check("container runtime", "fail", unknown),
            *(Check(name, "fail", unknown) for name in images),
        ]
    checks = [Check("docker engine", "ok", f"Docker {version.get('Version', '?')} answers at {address}")]
    warning = runc_warning(version)
    checks.append(Check("container runtime", "warn" if warning else "ok", warning or "runc is recent enough"))
    builder = ImageBuilder(client, settings.images_dir)
    for name, language in zip(images, map(get_language, available_languages()), strict=True):
        try:
            state = builder.state(language.image)
        except Exception as exc:  # a check reports every failure
            checks.append(Check(name, "fail", plain(exc)))
            continue
        if not state.present:
            checks.append(Check(name, "fail", "missing: run `coderunner images build`"))
        elif not state.current:
            checks.append(Check(name, "warn", "recipe changed: run `coderunner images build`"))
        else:
            checks.append(Check(name, "ok", f"current ({state.image_id[:19]})"))
    return checks


def _database_check(settings: Settings) -> Check:
    from coderunner.entrypoints.readiness import database_address
    from coderunner.store.database import check_connection

    where = database_address(settings.database_url)
    try:
        check_connection(settings.database_url)
    except CoderunnerError as exc:
        return Check("database", "fail", f"{where}: {exc}")
    return Check("database", "ok", f"answers at {where}")


def _broker_check(settings: Settings) -> Check:
    from coderunner.broker.links import client_for, describe_workers, live_workers, map_redis_errors
    from coderunner.entrypoints.readiness import broker_address

    assert settings.broker_url is not None
    where = broker_address(settings.broker_url)
    client = client_for(settings.broker_url)
    try:
        with map_redis_errors("answer a ping"):
            client.ping()
        workers = live_workers(client, settings.broker_heartbeat_timeout_s)
    except CoderunnerError as exc:
        return Check("broker", "fail", f"{where}: {exc} (scripts/start-redis.sh starts one)")
    finally:
        client.close()
    if not workers:
        return Check("broker", "warn", f"answers at {where}; no worker is connected: start `coderunner worker`")
    return Check("broker", "ok", f"answers at {where}; workers: {describe_workers(workers)}")
