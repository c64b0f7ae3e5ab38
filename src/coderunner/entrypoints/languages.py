"""What every entry point says about the languages it grades: one description per plug-in.

The runtime version is the one stamped on the language's sandbox image (see
``sandbox/images.py``), so it names exactly the compiler or interpreter that grades. On an
API node of a scale-out deployment it is the one its live workers advertise (empty for a
language no worker takes now).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coderunner.domain.sandbox_job import RUNTIME_VERSION_LABEL
from coderunner.domain.submission import Limits
from coderunner.languages.registry import available_languages, get_language

if TYPE_CHECKING:  # the grpc converter imports LanguageInfo and stays free of the adapters
    from coderunner.bootstrap import Services


@dataclass(frozen=True)
class LanguageInfo:
    name: str
    display_name: str
    image: str
    runtime_version: str
    modes: tuple[str, ...]
    file_extensions: tuple[str, ...]
    default_limits: Limits


async def describe_languages(services: Services) -> list[LanguageInfo]:
    """Every registered language, its image's runtime version and its configured default limits.

    Raises ``SandboxUnavailable`` when an image cannot be found or built.
    """
    described = []
    advertised = await asyncio.to_thread(services.queue.runtime_versions) if services.queue is not None else {}
    for language in map(get_language, available_languages()):
        if services.sandbox is None:  # an API node: what its workers' images say
            labels = {RUNTIME_VERSION_LABEL: advertised.get(language.name, "")}
        else:
            _, labels = await asyncio.to_thread(services.sandbox.image_for, language.image)
        described.append(
            LanguageInfo(
                name=language.name,
                display_name=language.display_name,
                image=language.image,
                runtime_version=labels.get(RUNTIME_VERSION_LABEL, ""),
                modes=tuple(mode.value for mode in language.modes),
                file_extensions=language.file_extensions,
                default_limits=services.default_limits(language),
            )
        )
    return described
