"""A language is two folders: nothing outside them names it.

For every registered plug-in, the service's code outside ``languages/<name>/`` never
imports that package and never spells the language's wire name, image name or file
extensions in a string; the shared image recipes (``docker/base/``, ``docker/supervisor/``)
never mention them at all. ``languages/registry.py`` is the one allowed exception: it
registers the plug-ins and says what an empty ``language`` on the wire means.

Comments and docstrings may give examples; string constants are what code acts on.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import coderunner
from coderunner.languages.plugin import Language
from coderunner.languages.registry import available_languages, get_language

PACKAGE = Path(coderunner.__file__).parent
IMAGES = PACKAGE.parents[1] / "docker"
REGISTRY = PACKAGE / "languages" / "registry.py"
SHARED_RECIPES = ("base", "supervisor")
LANGUAGES = [get_language(name) for name in available_languages()]


def spellings(language: Language) -> re.Pattern[str]:
    """The language's wire name and image name as whole words, and its file extensions."""
    words = "|".join(map(re.escape, sorted({language.name, language.image})))
    extensions = "|".join(map(re.escape, sorted(language.file_extensions)))
    return re.compile(rf"(?<![\w-])({words})(?![\w-])|({extensions})\b", re.IGNORECASE)


def outside(language: Language) -> Iterator[Path]:
    own = PACKAGE / "languages" / language.name
    for path in sorted(PACKAGE.rglob("*.py")):
        if own not in path.parents and path != REGISTRY and "_generated" not in path.parts:
            yield path


def code_strings(tree: ast.Module) -> Iterator[ast.Constant]:
    """Every string constant that is not a docstring."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.name)
def test_no_module_outside_the_plugin_imports_it(language: Language) -> None:
    package = f"coderunner.languages.{language.name}"
    offenders = []
    for path in outside(language):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{path.relative_to(PACKAGE)}:{node.lineno}" for name in names if name.startswith(package)]
    assert [] == offenders


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.name)
def test_no_code_outside_the_plugin_names_the_language(language: Language) -> None:
    pattern = spellings(language)
    offenders = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value!r}"
        for path in outside(language)
        for node in code_strings(ast.parse(path.read_text(), str(path)))
        if pattern.search(node.value)
    ]
    assert [] == offenders


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.name)
def test_the_shared_image_recipes_never_mention_the_language(language: Language) -> None:
    pattern = spellings(language)
    offenders = [
        f"{path.relative_to(IMAGES)}:{number}"
        for folder in SHARED_RECIPES
        for path in sorted((IMAGES / folder).rglob("*"))
        if path.is_file()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert [] == offenders


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.name)
def test_each_language_brings_its_image_recipe(language: Language) -> None:
    assert f"coderunner-{language.name}" == language.image
    assert (IMAGES / language.name / "Dockerfile").is_file()


def test_the_seam_check_finds_a_language_named_outside_its_folder() -> None:
    """The check itself can fail: a string naming the language is found, a docstring is not."""
    tree = ast.parse('"""Grades cpp."""\nIMAGE = "coderunner-cpp"\n')
    language = get_language("")
    assert ["coderunner-" + language.name] == [
        n.value for n in code_strings(tree) if spellings(language).search(n.value)
    ]
