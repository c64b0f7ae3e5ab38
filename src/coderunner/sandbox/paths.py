"""Where the sandbox recipes live (image folders and the seccomp profile)."""

from __future__ import annotations

from pathlib import Path


def default_images_dir() -> Path:
    """``docker/`` of the source checkout this package runs from."""
    return Path(__file__).resolve().parents[3] / "docker"
