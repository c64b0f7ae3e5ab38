"""The one place that lists the language plug-ins.

>>> get_language("cpp").image
'coderunner-cpp'
"""

from __future__ import annotations

from coderunner.errors import InvalidSubmission
from coderunner.languages.cpp import CPP
from coderunner.languages.plugin import Language
from coderunner.languages.python import PYTHON

_LANGUAGES: dict[str, Language] = {CPP.name: CPP, PYTHON.name: PYTHON}


def available_languages() -> tuple[str, ...]:
    return tuple(sorted(_LANGUAGES))


def get_language(name: str) -> Language:
    """The plug-in for a wire name (``"cpp"``); ``InvalidSubmission("language")`` otherwise."""
    try:
        return _LANGUAGES[name]
    except KeyError:
        known = ", ".join(available_languages())
        raise InvalidSubmission("language", f"unknown language {name!r}; available: {known}") from None
