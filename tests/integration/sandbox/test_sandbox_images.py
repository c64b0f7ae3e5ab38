"""The sandbox images as built: a base with no compiler, and language images stamped with their versions."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import docker.errors
import pytest
from prometheus_client.parser import text_string_to_metric_families

from coderunner.domain.sandbox_job import RUNTIME_VERSION_LABEL
from coderunner.errors import SandboxUnavailable
from coderunner.languages.registry import available_languages, get_language
from coderunner.metrics.prometheus import PrometheusMetrics
from coderunner.sandbox.images import BASE_IMAGE, LABELS_FILE, ImageBuilder
from coderunner.sandbox.paths import default_images_dir

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


@pytest.fixture
def images_with(tmp_path: Path, docker_client: docker.DockerClient) -> Iterator[Callable[..., ImageBuilder]]:
    """``images_with(folder, dockerfile)``: a builder over the real base recipe plus one more language folder.

    The base's recipe is copied as it is, so its current image is reused; the new language
    image is removed afterwards.
    """
    real = default_images_dir()
    for shared in ("base", "supervisor"):
        shutil.copytree(real / shared, tmp_path / shared)
    made: list[str] = []

    def make(folder: str, dockerfile: str, metrics: PrometheusMetrics | None = None) -> ImageBuilder:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "Dockerfile").write_text(dockerfile)
        made.append(f"coderunner-{folder}")
        return ImageBuilder(docker_client, tmp_path, metrics=metrics)

    yield make
    for name in made:
        with contextlib.suppress(docker.errors.ImageNotFound):
            docker_client.images.remove(name, force=True)


TOY = """ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN echo "runtime_version=toy 1.2.3-4" >/etc/coderunner-labels && coderunner-seal
USER 1000:1000
"""


def test_a_new_folder_with_a_dockerfile_is_a_language_image_stamped_from_its_labels_file(
    images_with: Callable[[str, str], ImageBuilder],
) -> None:
    builder = images_with("toy", TOY)
    image = builder.ensure("coderunner-toy")
    assert "toy 1.2.3-4" == image.labels[RUNTIME_VERSION_LABEL]
    assert builder.state("coderunner-toy").current


def test_a_recipe_that_writes_no_runtime_version_is_refused(images_with: Callable[[str, str], ImageBuilder]) -> None:
    builder = images_with("mute", "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN coderunner-seal\n")
    with pytest.raises(SandboxUnavailable, match="wrote no runtime_version"):
        builder.ensure("coderunner-mute")
    assert not builder.state("coderunner-mute").present


def test_image_builds_are_counted_by_outcome(images_with: Callable[..., ImageBuilder]) -> None:
    """Each build that ran is counted once, as succeeded or failed; finding a current image is no build."""
    metrics = PrometheusMetrics()
    toy = images_with("toy", TOY, metrics)
    toy.ensure("coderunner-toy")
    toy.ensure("coderunner-toy")
    mute = images_with("mute", "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN coderunner-seal\n", metrics)
    with pytest.raises(SandboxUnavailable):
        mute.ensure("coderunner-mute")

    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(metrics.exposition().decode())
        for s in family.samples
        if s.name == "coderunner_image_builds_total"
    }
    assert {
        ("coderunner_image_builds_total", (("image", "coderunner-toy"), ("outcome", "succeeded"))): 1.0,
        ("coderunner_image_builds_total", (("image", "coderunner-mute"), ("outcome", "failed"))): 1.0,
    } == samples
