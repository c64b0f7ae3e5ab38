"""Is this process ready to grade? Shared by REST's /readyz and gRPC's health service.

Ready means: the Docker engine answers, every language's image is present and built
from the current recipe, and the database answers. Each probe goes through the
services (image builder, store port), never to Docker or SQL directly.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from coderunner.bootstrap import Services
from coderunner.languages.registry import available_languages, get_language
from coderunner.service.ports import ExecutionFilter

PROBE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


async def check_readiness(services: Services) -> list[Check]:
    """One ``Check`` per dependency; never raises for a failed dependency."""
    images, database = await asyncio.gather(_images(services), _database(services))
    return [*images, database]


async def _images(services: Services) -> list[Check]:
    checks: list[Check] = []
    for language in map(get_language, available_languages()):
        name = f"image {language.image}"
        try:
            state = await asyncio.wait_for(asyncio.to_thread(services.images.state, language.image), PROBE_TIMEOUT_S)
        except TimeoutError:
            checks.append(Check(name, False, f"the Docker engine did not answer within {PROBE_TIMEOUT_S:g} s"))
            continue
        except Exception as exc:  # a probe reports every failure; the docker SDK raises more than its own tree
            checks.append(Check(name, False, str(exc) or type(exc).__name__))
            continue
        if not state.present:
            checks.append(Check(name, False, "missing: run `coderunner images build`"))
        elif not state.current:
            checks.append(Check(name, False, "built from an older recipe: run `coderunner images build`"))
        else:
            checks.append(Check(name, True, f"current ({state.image_id[:19]})"))
    return checks


async def _database(services: Services) -> Check:
    try:
        await asyncio.wait_for(services.store.list(ExecutionFilter(limit=1)), PROBE_TIMEOUT_S)
    except TimeoutError:
        return Check("database", False, f"no answer within {PROBE_TIMEOUT_S:g} s")
    except Exception as exc:  # a probe reports every failure
        return Check("database", False, str(exc) or type(exc).__name__)
    return Check("database", True, "answers")
