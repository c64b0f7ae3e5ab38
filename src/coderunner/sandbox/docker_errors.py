"""The one place where Docker engine errors become ``SandboxUnavailable`` / ``SandboxFailure``.

The docker SDK raises its own errors for answers it understood, but lets the transport's
through: requests and urllib3 errors when the engine's socket refuses or drops a call,
``OSError`` and ``http.client`` errors from the hijacked socket of an exec stream. Every
one of them means "the engine is away" or "the engine could not do it", never something
a submission did, so none may reach a caller as a bare 500::

    docker.errors.ImageNotFound                    → SandboxUnavailable (image missing)
    docker.errors.NotFound                         → SandboxFailure (the container is gone)
    docker.errors.APIError (the engine said no)    → SandboxFailure
    docker.errors.DockerException (no answer)      → SandboxUnavailable
    requests / urllib3 / http.client / OSError     → SandboxUnavailable (engine unreachable)

Our own errors pass through unchanged; the original stays reachable as ``__cause__``.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from contextlib import contextmanager

import docker.errors
import requests
import urllib3.exceptions

from coderunner.errors import CoderunnerError, InfrastructureError, SandboxFailure, SandboxUnavailable

# The transport under the SDK: a refused or dropped connection, a timeout, a broken stream.
# (requests' errors are OSErrors too; listed for the reader.)
UNREACHABLE = (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, OSError)


def engine_error(exc: BaseException, action: str) -> InfrastructureError | None:
    """The infrastructure error for ``exc``, raised while trying to ``action``; None when
    ``exc`` is not an engine error (a bug of ours, which must not be disguised).

    >>> type(engine_error(ConnectionRefusedError(111, "refused"), "start a sandbox")).__name__
    'SandboxUnavailable'
    """
    if isinstance(exc, docker.errors.ImageNotFound):
        return SandboxUnavailable(f"could not {action}: the sandbox image is missing ({_explain(exc)})")
    if isinstance(exc, docker.errors.NotFound):
        return SandboxFailure(f"could not {action}: the sandbox container is gone ({_explain(exc)})")
    if isinstance(exc, docker.errors.APIError):
        return SandboxFailure(f"could not {action}: the engine refused ({_explain(exc)})")
    if isinstance(exc, (docker.errors.DockerException, *UNREACHABLE)):
        return SandboxUnavailable(f"could not {action}: the Docker engine is unreachable ({_explain(exc)})")
    return None


def from_engine(exc: InfrastructureError) -> bool:
    """Whether ``exc`` was mapped from an engine error (not raised by our own checks)."""
    return isinstance(exc.__cause__, (docker.errors.DockerException, *UNREACHABLE))


@contextmanager
def map_docker_errors(action: str) -> Iterator[None]:
    """Raise the infrastructure error (caused by the original) for any engine error inside the block.

    >>> with map_docker_errors("remove sandbox x"):
    ...     pass
    """
    try:
        yield
    except CoderunnerError:
        raise
    except Exception as exc:
        mapped = engine_error(exc, action)
        if mapped is None:
            raise
        raise mapped from exc


def _explain(exc: BaseException) -> str:
    if isinstance(exc, docker.errors.APIError) and exc.explanation:
        return str(exc.explanation)
    return str(exc).strip() or type(exc).__name__
