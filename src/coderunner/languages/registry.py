"""The one place that lists the language plug-ins, and the wire's default language.

This module and the plug-ins' own folders (``languages/<name>/``, ``docker/<name>/``) are
the only places that name a language; ``tests/unit/test_language_seam.py`` checks it.

>>> get_language("cpp").image
'coderunner-cpp'
>>> get_language("").name  # the original service graded only C++: its clients send no language
'cpp'
"""

from __future__ import annotations

from pathlib import PurePath

from coderunner.errors import InvalidSubmission
from coderunner.languages.cpp import CPP
from coderunner.languages.plugin import Language
from coderunner.languages.python import PYTHON

_LANGUAGES: dict[str, Language] = {CPP.name: CPP, PYTHON.name: PYTHON}
# What an empty ``language`` on the wire means (REST, gRPC): wire-compatible with the
# original service, whose clients never sent one.
WIRE_DEFAULT = CPP.name


def available_languages() -> tuple[str, ...]:
    return tuple(sorted(_LANGUAGES))


def get_language(name: str) -> Language:
    """The plug-in for a wire name (``"cpp"``; empty means ``WIRE_DEFAULT``).

    Raises ``InvalidSubmission("language")`` naming the available ones otherwise.
    """
    wanted = name.strip().lower() or WIRE_DEFAULT
    try:
        return _LANGUAGES[wanted]
    except KeyError:
        known = ", ".join(available_languages())
        raise InvalidSubmission("language", f"unknown language {name!r}; available: {known}") from None


def language_for_file(path: str) -> Language:
    """The plug-in whose file extensions include ``path``'s (case-insensitive).

    >>> language_for_file("solution.CC").name
    'cpp'
    """
    suffix = PurePath(path).suffix.lower()
    for language in _LANGUAGES.values():
        if suffix in language.file_extensions:
            return language
    known = ", ".join(
        f"{ext} ({lang.name})" for lang in map(get_language, available_languages()) for ext in lang.file_extensions
    )
    problem = f"cannot tell the language of {path!r} from its extension; known: {known}; or pass --language"
    raise InvalidSubmission("language", problem)
