"""The sandbox images as built: a base with no compiler, and language images stamped with their versions."""

from __future__ import annotations

import docker
import pytest

from coderunner.domain.sandbox_job import RUNTIME_VERSION_LABEL
from coderunner.languages.registry import available_languages, get_language
from coderunner.sandbox.images import BASE_IMAGE, LABELS_FILE, ImageBuilder

pytestmark = pytest.mark.integration

LANGUAGE_IMAGES = [get_language(name).image for name in available_languages()]


def run(client: docker.DockerClient, image: str, script: str) -> str:
    output: bytes = client.containers.run(image, ["sh", "-c", script], network_mode="none", remove=True)
    return output.decode()


def test_the_base_holds_what_every_sandbox_needs_and_no_compiler(docker_client: docker.DockerClient) -> None:
    image = ImageBuilder(docker_client).ensure(BASE_IMAGE)
    found = run(
        docker_client,
        str(image.id),
        "for tool in crsup sh tar coderunner-install coderunner-seal gcc cc c++ g++ clang tcc; do"
        ' command -v "$tool" >/dev/null && echo "$tool"; done; id -u coderunner; true',
    )
    assert ["crsup", "sh", "tar", "coderunner-install", "coderunner-seal", "1000"] == found.split()
    assert RUNTIME_VERSION_LABEL not in image.labels


@pytest.mark.parametrize("name", LANGUAGE_IMAGES)
def test_a_language_image_carries_the_exact_versions_its_recipe_wrote(
    docker_client: docker.DockerClient, name: str
) -> None:
    image = ImageBuilder(docker_client).ensure(name)
    written = dict(line.split("=", 1) for line in run(docker_client, str(image.id), f"cat {LABELS_FILE}").splitlines())
    assert written["runtime_version"]
    assert {f"org.coderunner.{key}": value for key, value in written.items()}.items() <= image.labels.items()
    assert (["sleep", "infinity"], "1000:1000") == (image.attrs["Config"]["Cmd"], image.attrs["Config"]["User"])


@pytest.mark.parametrize("name", LANGUAGE_IMAGES)
def test_a_language_image_is_current_once_built_and_found_from_its_folder(
    docker_client: docker.DockerClient, name: str
) -> None:
    builder = ImageBuilder(docker_client)
    builder.ensure(name)
    assert name in builder.recipes
    assert (True, True) == (builder.state(name).present, builder.state(name).current)
