"""Sandbox images, built without any registry, cached by the hash of their recipe.

A recipe is a folder under the images directory (``docker/`` in the repository). The
base image (``base/`` plus the supervisor's source in ``supervisor/``) is a Debian root
filesystem made by debootstrap and ``docker import``ed; it holds what every sandbox
needs and no compiler. Every other folder with a ``Dockerfile`` is a language image,
``coderunner-<folder>``, built on top of the base: nothing here names a language, so a
new ``docker/<lang>/`` is found as it is.

A language's Dockerfile installs its packages from the Debian mirror the base came
from (the build runs on the host's network; no container registry is involved) and
writes the exact versions it installed as ``KEY=VALUE`` lines to ``LABELS_FILE``; the
builder stamps them on the image as ``org.coderunner.<KEY>`` labels (a Dockerfile
``LABEL`` cannot hold a version only known after ``apt-get``). Every image carries the
hash of its recipe (and of its parent's) in a label, so ``ensure`` rebuilds only what
changed — the seed's "image cache".
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
from docker.models.containers import Container
from docker.models.images import Image

from coderunner.domain.sandbox_job import RUNTIME_VERSION_LABEL
from coderunner.errors import SandboxUnavailable
from coderunner.sandbox.paths import default_images_dir
from coderunner.service.ports import Metrics, NoMetrics

LABEL_RECIPE = "org.coderunner.recipe"
LABEL_PREFIX = "org.coderunner."
IMAGE_PREFIX = "coderunner-"
BASE_IMAGE = "coderunner-base"
TAG = "latest"
LABELS_FILE = "/etc/coderunner-labels"


@dataclass(frozen=True)
class ImageRecipe:
    """``inputs`` are the recipe's files or folders, relative to the images directory."""

    name: str
    inputs: tuple[str, ...]
    dockerfile: str | None = None  # None: the registry-free base root filesystem
    parent: str | None = None


def discover_recipes(images_dir: Path) -> dict[str, ImageRecipe]:
    """The base recipe, and one language recipe per ``<folder>/Dockerfile`` in ``images_dir``.

    The supervisor is part of the base, so that a change to it rebuilds every image.
    """
    recipes = {BASE_IMAGE: ImageRecipe(BASE_IMAGE, inputs=("base", "supervisor"))}
    for dockerfile in sorted(images_dir.glob("*/Dockerfile")):
        folder = dockerfile.parent.name
        name = IMAGE_PREFIX + folder
        recipes[name] = ImageRecipe(name, inputs=(folder,), dockerfile=f"{folder}/Dockerfile", parent=BASE_IMAGE)
    return recipes


@dataclass(frozen=True)
class ImageState:
    name: str
    present: bool
    current: bool
    image_id: str = ""


class ImageBuilder:
    """Builds and checks sandbox images. Safe to call from several threads and processes."""

    def __init__(
        self, client: docker.DockerClient, images_dir: Path | None = None, *, metrics: Metrics | None = None
    ) -> None:
        self._client = client
        self._metrics = metrics or NoMetrics()
        self._dir = images_dir or default_images_dir()
        self._lock = threading.Lock()
        self._recipes = discover_recipes(self._dir)

    @property
    def images_dir(self) -> Path:
        return self._dir

    @property
    def recipes(self) -> tuple[str, ...]:
        """Every image this builder can build, the base first."""
        return tuple(self._recipes)

    def recipe_hash(self, name: str) -> str:
        recipe = self._recipe(name)
        digest = hashlib.sha256()
        if recipe.parent:
            digest.update(self.recipe_hash(recipe.parent).encode())
        for entry in recipe.inputs:
            root = self._dir / entry
            if not root.exists():
                raise SandboxUnavailable(f"image recipe {name!r}: {root} is missing")
            for path in sorted(p for p in [root, *root.rglob("*")] if p.is_file()):
                digest.update(str(path.relative_to(self._dir)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
        return digest.hexdigest()[:16]

    def state(self, name: str) -> ImageState:
        image = self._find(name)
        if image is None:
            return ImageState(name, present=False, current=False)
        current = image.labels.get(LABEL_RECIPE) == self.recipe_hash(name)
        return ImageState(name, present=True, current=current, image_id=image.id or "")

    def ensure(self, name: str) -> Image:
        """The current image ``name``, building it (and its parent) first when missing or stale."""
        image = self._find(name)
        if image is not None and image.labels.get(LABEL_RECIPE) == self.recipe_hash(name):
            return image  # current: no need to wait for a build of something else
        with self._lock, _process_lock(self._engine_id()):
            return self._ensure(name)

    def _engine_id(self) -> str:
        try:
            return str(self._client.info().get("ID", ""))
        except docker.errors.DockerException as exc:
            raise SandboxUnavailable(f"the Docker engine did not answer: {exc}") from exc

    def _ensure(self, name: str) -> Image:
        recipe = self._recipe(name)
        wanted = self.recipe_hash(name)
        image = self._find(name)
        if image is not None and image.labels.get(LABEL_RECIPE) == wanted:
            return image
        parent = self._ensure(recipe.parent) if recipe.parent else None
        started = time.monotonic()
        try:
            if recipe.dockerfile is None:
                built = self._import_base(recipe, wanted)
            else:
                assert parent is not None
                built = self._build(recipe, wanted, parent)
        except BaseException:
            self._metrics.image_build(name, succeeded=False, seconds=time.monotonic() - started)
            raise
        self._metrics.image_build(name, succeeded=True, seconds=time.monotonic() - started)
        return built

    def _find(self, name: str) -> Image | None:
        try:
            return self._client.images.get(f"{name}:{TAG}")
        except docker.errors.ImageNotFound:
            return None
        except docker.errors.DockerException as exc:
            raise SandboxUnavailable(f"cannot inspect image {name}: {exc}") from exc

    def _import_base(self, recipe: ImageRecipe, wanted: str) -> Image:
        script = self._dir / recipe.inputs[0] / "build-rootfs.sh"
        with tempfile.TemporaryDirectory(prefix="coderunner-base-") as tmp:
            rootfs = Path(tmp) / "rootfs.tar"
            result = subprocess.run(["bash", str(script), str(rootfs)], capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise SandboxUnavailable(
                    f"building the base image failed ({script}, exit {result.returncode}): {result.stderr[-2000:]}"
                )
            changes = [f"LABEL {LABEL_RECIPE}={wanted}", "ENV LANG=C.UTF-8"]
            for line in Path(f"{rootfs}.labels").read_text().splitlines():
                key, _, value = line.partition("=")
                changes.append(f"LABEL {LABEL_PREFIX}{key}={json.dumps(value)}")
            try:
                self._client.api.import_image_from_file(str(rootfs), repository=recipe.name, tag=TAG, changes=changes)
            except docker.errors.DockerException as exc:
                raise SandboxUnavailable(f"docker import of the base image failed: {exc}") from exc
        image = self._find(recipe.name)
        if image is None:
            raise SandboxUnavailable("docker import reported success but the base image is missing")
        return image

    def _build(self, recipe: ImageRecipe, wanted: str, parent: Image) -> Image:
        assert recipe.dockerfile is not None
        try:
            built, _logs = self._client.images.build(
                path=str(self._dir),
                dockerfile=recipe.dockerfile,
                buildargs={"BASE_IMAGE": parent.id or ""},
                # The host's network, for apt-get from the Debian mirror: the engine has no
                # bridge, and sandboxes (never builds) are what must stay offline.
                network_mode="host",
                rm=True,
                forcerm=True,
            )
            return self._stamp(recipe.name, built, {LABEL_RECIPE: wanted})
        except docker.errors.BuildError as exc:
            tail = "".join(str(chunk.get("stream", chunk.get("error", ""))) for chunk in exc.build_log)[-2000:]
            raise SandboxUnavailable(f"building image {recipe.name} failed: {exc.msg}\n{tail}") from exc
        except docker.errors.DockerException as exc:
            raise SandboxUnavailable(f"building image {recipe.name} failed: {exc}") from exc

    def _stamp(self, name: str, built: Image, labels: dict[str, str]) -> Image:
        """Tags ``built`` as ``name`` with ``labels`` plus the versions its recipe wrote to ``LABELS_FILE``.

        The recipe label comes with them, so an image is never taken as current before it is whole.
        """
        # Only read, never started; a recipe need not name a CMD, so this one names its own.
        container = self._client.containers.create(built.id or "", command=["true"], network_mode="none")
        try:
            written = {LABEL_PREFIX + key: value for key, value in _read_labels_file(container).items()}
        finally:
            container.remove(force=True)
        if not written.get(RUNTIME_VERSION_LABEL):
            raise SandboxUnavailable(
                f"the recipe of {name} wrote no runtime_version=... line to {LABELS_FILE}: results could not"
                " say what graded them"
            )
        # A build of FROM alone keeps the image's configuration (CMD, USER, ...) as it is.
        image, _logs = self._client.images.build(
            fileobj=io.BytesIO(f"FROM {built.id}\n".encode()),
            tag=f"{name}:{TAG}",
            labels=written | labels,
            network_mode="none",
            rm=True,
        )
        return image

    def _recipe(self, name: str) -> ImageRecipe:
        try:
            return self._recipes[name]
        except KeyError:
            known = ", ".join(self._recipes)
            raise SandboxUnavailable(f"no image recipe named {name!r} in {self._dir}; known: {known}") from None


def _read_labels_file(container: Container) -> dict[str, str]:
    """``KEY=VALUE`` lines of ``LABELS_FILE`` in ``container``; empty when the recipe wrote none."""
    try:
        chunks, _stat = container.get_archive(LABELS_FILE)
    except docker.errors.NotFound:
        return {}
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archive:
        member = archive.extractfile(Path(LABELS_FILE).name)
        text = member.read().decode() if member is not None else ""
    labels = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            labels[key.strip()] = value.strip()
    return labels


@contextmanager
def _process_lock(engine: str) -> Iterator[None]:
    """Two processes (a service and `coderunner images build`) never build for one engine at once;
    builds for different engines (``engine`` is the engine's ID) do not wait for each other."""
    key = hashlib.sha256(engine.encode()).hexdigest()[:12]
    with open(Path(tempfile.gettempdir()) / f"coderunner-images-{key}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
