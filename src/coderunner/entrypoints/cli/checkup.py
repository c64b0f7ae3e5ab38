"""`coderunner doctor`: what is ready, and for what is not, what to do."""

from __future__ import annotations

from dataclasses import dataclass

from coderunner.errors import CoderunnerError
from coderunner.settings import Settings


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok", "warn" or "fail"
    detail: str


def run_checks(settings: Settings) -> list[Check]:
    from coderunner.languages.registry import available_languages, get_language
    from coderunner.sandbox.engine import connect
    from coderunner.sandbox.images import ImageBuilder
    from coderunner.sandbox.runtime_check import runc_warning

    checks: list[Check] = []
    try:
        client = connect(settings.docker_host)
    except CoderunnerError as exc:
        return [Check("docker engine", "fail", str(exc))]
    version = client.version()
    checks.append(Check("docker engine", "ok", f"Docker {version.get('Version', '?')} answers"))
    warning = runc_warning(version)
    checks.append(Check("container runtime", "warn" if warning else "ok", warning or "runc is recent enough"))
    builder = ImageBuilder(client, settings.images_dir)
    for language in map(get_language, available_languages()):
        try:
            state = builder.state(language.image)
        except CoderunnerError as exc:
            checks.append(Check(f"image {language.image}", "fail", str(exc)))
            continue
        if not state.present:
            checks.append(Check(f"image {language.image}", "fail", "missing: run `coderunner images build`"))
        elif not state.current:
            checks.append(Check(f"image {language.image}", "warn", "recipe changed: run `coderunner images build`"))
        else:
            checks.append(Check(f"image {language.image}", "ok", f"current ({state.image_id[:19]})"))
    checks.append(_database_check(settings))
    return checks


def _database_check(settings: Settings) -> Check:
    from coderunner.store.database import check_connection

    try:
        check_connection(settings.database_url)
    except CoderunnerError as exc:
        return Check("database", "fail", str(exc))
    return Check("database", "ok", settings.database_url.split("@")[-1])
