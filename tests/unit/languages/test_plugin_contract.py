"""What the registry and the Language contract promise every entry point."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from coderunner.domain.submission import Mode, Submission, TestCase
from coderunner.errors import InvalidSubmission
from coderunner.languages.plugin import check_mode
from coderunner.languages.registry import WIRE_DEFAULT, available_languages, get_language, language_for_file


@pytest.mark.parametrize("name", ["", "  ", "CPP", " cpp "])
def test_an_empty_wire_language_is_the_wire_default_and_names_are_case_insensitive(name: str) -> None:
    assert get_language(WIRE_DEFAULT) is get_language(name)


@pytest.mark.parametrize("path", ["solution.cpp", "a/b/solution.CC", "x.cxx"])
def test_a_file_extension_tells_the_language(path: str) -> None:
    assert "cpp" == language_for_file(path).name


@pytest.mark.parametrize("path", ["solution.txt", "Makefile", "solution.rb"])
def test_an_unknown_extension_is_a_clear_error_naming_the_known_ones(path: str) -> None:
    with pytest.raises(InvalidSubmission) as caught:
        language_for_file(path)
    assert "language" == caught.value.field
    assert f"cannot tell the language of {path!r} from its extension" in caught.value.problem
    assert ".cpp (cpp)" in caught.value.problem
    assert caught.value.problem.endswith("or pass --language")


@dataclass
class FunctionsOnly:
    """Just enough of a plug-in for check_mode: a language with one mode."""

    name: str = "functions-only"
    modes: tuple[Mode, ...] = (Mode.FUNCTION,)


def submission(mode: str | None) -> Submission:
    return Submission.create(language="cpp", code="int f();", tests=[TestCase("t", "1", "1")], mode=mode)


@pytest.mark.parametrize("mode", [None, "function"])
def test_a_mode_the_language_has_or_none_is_accepted(mode: str | None) -> None:
    check_mode(FunctionsOnly(), submission(mode))  # type: ignore[arg-type]


def test_a_mode_the_language_lacks_is_refused_naming_the_field_and_the_modes_it_has() -> None:
    with pytest.raises(InvalidSubmission) as caught:
        check_mode(FunctionsOnly(), submission("program"))  # type: ignore[arg-type]
    assert ("mode", "functions-only has no program mode; it has: function") == (
        caught.value.field,
        caught.value.problem,
    )


def test_each_extension_belongs_to_one_language_and_each_language_has_a_mode() -> None:
    languages = [get_language(name) for name in available_languages()]
    extensions = [ext for language in languages for ext in language.file_extensions]
    assert sorted(set(extensions)) == sorted(extensions)
    assert all(ext.startswith(".") and ext == ext.lower() for ext in extensions)
    assert [] == [language.name for language in languages if not language.modes]
