"""Sandbox images, built without any registry, cached by the hash of their recipe.

A recipe is a folder under the images directory (``docker/`` in the repository). The
base image is a Debian root filesystem made by debootstrap and ``docker import``ed;
language images are Dockerfiles on top of it. Every image carries the hash of its
recipe (and of its parent's) in a label, so ``ensure`` rebuilds only what changed —
the seed's "image cache".
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
from docker.models.images import Image

from coderunner.errors import SandboxUnavailable
from coderunner.sandbox.paths import default_images_dir

LABEL_RECIPE = "org.coderunner.recipe"
BASE_IMAGE = "coderunner-base"
TAG = "latest"


@dataclass(frozen=True)
class ImageRecipe:
    """``inputs`` are the recipe's files or folders, relative to the images directory."""

    name: str
    inputs: tuple[str, ...]
    dockerfile: str | None = None  # None: the registry-free base root filesystem
    parent: str | None = None


RECIPES: dict[str, ImageRecipe] = {
    # The base root filesystem also installs each language's packages (docker/<lang>/packages).
    BASE_IMAGE: ImageRecipe(BASE_IMAGE, inputs=("base", "python/packages", "python/labels")),
    "coderunner-cpp": ImageRecipe(
        "coderunner-cpp", inputs=("cpp", "supervisor"), dockerfile="cpp/Dockerfile", parent=BASE_IMAGE
    ),
    "coderunner-python": ImageRecipe(
        "coderunner-python", inputs=("python", "supervisor"), dockerfile="python/Dockerfile", parent=BASE_IMAGE
    ),
}


@dataclass(frozen=True)
class ImageState:
    name: str
    present: bool
    current: bool
    image_id: str = ""


class ImageBuilder:
    """Builds and checks sandbox images. Safe to call from several threads and processes."""

    def __init__(self, client: docker.DockerClient, images_dir: Path | None = None) -> None:
        self._client = client
        self._dir = images_dir or default_images_dir()
        self._lock = threading.Lock()
        self._verified: dict[str, str] = {}

    @property
    def images_dir(self) -> Path:
        return self._dir

    def recipe_hash(self, name: str) -> str:
        recipe = _recipe(name)
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
        with self._lock, _process_lock():
            return self._ensure(name)

    def _ensure(self, name: str) -> Image:
        recipe = _recipe(name)
        wanted = self.recipe_hash(name)
        image = self._find(name)
        if image is not None and image.labels.get(LABEL_RECIPE) == wanted:
            return image
        parent = self._ensure(recipe.parent) if recipe.parent else None
        if recipe.dockerfile is None:
            return self._import_base(recipe, wanted)
        assert parent is not None
        return self._build(recipe, wanted, parent)

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
                changes.append(f'LABEL org.coderunner.{key}="{value}"')
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
            image, _logs = self._client.images.build(
                path=str(self._dir),
                dockerfile=recipe.dockerfile,
                tag=f"{recipe.name}:{TAG}",
                buildargs={"BASE_IMAGE": parent.id or ""},
                labels={LABEL_RECIPE: wanted},
                # No registry and no bridge here: the build needs no network at all.
                network_mode="none",
                rm=True,
                forcerm=True,
            )
        except docker.errors.BuildError as exc:
            tail = "".join(str(chunk.get("stream", chunk.get("error", ""))) for chunk in exc.build_log)[-2000:]
            raise SandboxUnavailable(f"building image {recipe.name} failed: {exc.msg}\n{tail}") from exc
        except docker.errors.DockerException as exc:
            raise SandboxUnavailable(f"building image {recipe.name} failed: {exc}") from exc
        return image


def _recipe(name: str) -> ImageRecipe:
    try:
        return RECIPES[name]
    except KeyError:
        raise SandboxUnavailable(f"no image recipe named {name!r}; known: {', '.join(RECIPES)}") from None


@contextmanager
def _process_lock() -> Iterator[None]:
    """Two processes (a service and `coderunner images build`) never build at once."""
    with open(Path(tempfile.gettempdir()) / "coderunner-images.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
