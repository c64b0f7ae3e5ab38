"""The registry is the one place that knows which languages exist."""

from __future__ import annotations

import pytest

from coderunner.errors import InvalidSubmission
from coderunner.languages.cpp import CPP
from coderunner.languages.python import PYTHON
from coderunner.languages.registry import available_languages, get_language


def test_cpp_and_python_are_available() -> None:
    assert ("cpp", "python") == available_languages()
    assert CPP is get_language("cpp")
    assert PYTHON is get_language("python")


def test_an_unknown_language_names_the_field_and_the_choices() -> None:
    with pytest.raises(InvalidSubmission) as caught:
        get_language("cobol")
    assert ("language", "unknown language 'cobol'; available: cpp, python") == (
        caught.value.field,
        caught.value.problem,
    )
