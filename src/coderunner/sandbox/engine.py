"""Connecting to the Docker engine, with one clear message when there is none."""

from __future__ import annotations

import docker
import docker.errors

from coderunner.errors import SandboxUnavailable
from coderunner.sandbox.docker_errors import UNREACHABLE

HOW_TO_START = "start it with `make engine` (scripts/provision-engine.sh) or `sudo systemctl start docker`"


def connect(base_url: str | None = None, timeout_s: float = 60.0) -> docker.DockerClient:
    """A client for the engine at ``base_url`` (default: DOCKER_HOST or the local socket).

    Raises ``SandboxUnavailable`` when no engine answers: without an enforceable
    sandbox nothing may run, let alone pass.
    """
    where = base_url or "the default socket (DOCKER_HOST or unix:///var/run/docker.sock)"
    try:
        client = (
            docker.DockerClient(base_url=base_url, timeout=int(timeout_s))
            if base_url
            else docker.from_env(timeout=int(timeout_s))
        )
        client.ping()
    except (docker.errors.DockerException, *UNREACHABLE) as exc:
        raise SandboxUnavailable(f"Docker engine not reachable at {where}: {HOW_TO_START} ({exc})") from exc
    return client
