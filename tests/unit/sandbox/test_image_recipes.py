"""Recipes are found from the images folder, and a recipe's hash covers what its image is built from."""

from __future__ import annotations

from pathlib import Path

import pytest

from coderunner.errors import SandboxUnavailable
from coderunner.sandbox.images import BASE_IMAGE, ImageBuilder, discover_recipes


@pytest.fixture
def images(tmp_path: Path) -> Path:
    for relative, text in {
        "base/build-rootfs.sh": "debootstrap",
        "supervisor/crsup.c": "int main(void) { return 0; }",
        "alpha/Dockerfile": "FROM ${BASE_IMAGE}",
        "alpha/harness.txt": "alpha's harness",
        "beta/Dockerfile": "FROM ${BASE_IMAGE}",
        "notes/README": "no Dockerfile: not an image",
    }.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    return tmp_path


def builder(images: Path) -> ImageBuilder:
    return ImageBuilder(None, images)  # type: ignore[arg-type]  # hashing never talks to the engine


def hashes(images: Path) -> dict[str, str]:
    made = builder(images)
    return {name: made.recipe_hash(name) for name in made.recipes}


def test_every_folder_with_a_dockerfile_is_a_language_image_on_the_base(images: Path) -> None:
    recipes = discover_recipes(images)
    assert [BASE_IMAGE, "coderunner-alpha", "coderunner-beta"] == list(recipes)
    assert (BASE_IMAGE, ("alpha",), "alpha/Dockerfile") == (
        recipes["coderunner-alpha"].parent,
        recipes["coderunner-alpha"].inputs,
        recipes["coderunner-alpha"].dockerfile,
    )


def test_a_change_to_the_supervisor_rebuilds_every_image(images: Path) -> None:
    before = hashes(images)
    (images / "supervisor/crsup.c").write_text("int main(void) { return 1; }")
    after = hashes(images)
    assert all(before[name] != after[name] for name in before)


def test_a_change_to_one_language_rebuilds_only_that_language(images: Path) -> None:
    before = hashes(images)
    (images / "alpha/harness.txt").write_text("alpha's new harness")
    after = hashes(images)
    assert ["coderunner-alpha"] == [name for name in before if before[name] != after[name]]


def test_an_unknown_image_names_the_known_ones(images: Path) -> None:
    with pytest.raises(SandboxUnavailable, match=r"no image recipe named 'coderunner-gamma'.*coderunner-beta"):
        builder(images).recipe_hash("coderunner-gamma")
