"""Every error the engine's client can raise becomes our infrastructure error, in one place."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from types import SimpleNamespace

import docker.errors
import pytest
import requests
import urllib3.exceptions

from coderunner.errors import InfrastructureError, InvalidSubmission, SandboxFailure, SandboxUnavailable
from coderunner.sandbox.docker_errors import from_engine, map_docker_errors


def _response(status: int) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    return response


KINDS = [
    pytest.param(docker.errors.ImageNotFound("no such image"), SandboxUnavailable, id="image-missing"),
    pytest.param(docker.errors.NotFound("no such container", _response(404)), SandboxFailure, id="container-gone"),
    pytest.param(docker.errors.APIError("conflict", _response(409), "is not running"), SandboxFailure, id="api-4xx"),
    pytest.param(docker.errors.APIError("boom", _response(500), "engine failed"), SandboxFailure, id="api-5xx"),
    pytest.param(
        docker.errors.DockerException("Error while fetching server API version"), SandboxUnavailable, id="sdk"
    ),
    pytest.param(requests.ConnectionError("Connection aborted."), SandboxUnavailable, id="requests-connection"),
    pytest.param(requests.ReadTimeout("read timed out"), SandboxUnavailable, id="requests-timeout"),
    pytest.param(urllib3.exceptions.ProtocolError("Connection aborted."), SandboxUnavailable, id="urllib3-protocol"),
    pytest.param(urllib3.exceptions.ReadTimeoutError(None, "/", "timed out"), SandboxUnavailable, id="urllib3-timeout"),
    pytest.param(http.client.RemoteDisconnected("closed"), SandboxUnavailable, id="http-remote-disconnected"),
    pytest.param(http.client.IncompleteRead(b""), SandboxUnavailable, id="http-incomplete-read"),
    pytest.param(ConnectionRefusedError(111, "Connection refused"), SandboxUnavailable, id="socket-refused"),
    pytest.param(ConnectionResetError(104, "Connection reset by peer"), SandboxUnavailable, id="socket-reset"),
    pytest.param(BrokenPipeError(32, "Broken pipe"), SandboxUnavailable, id="socket-broken-pipe"),
    pytest.param(FileNotFoundError(2, "No such file: /run/docker.sock"), SandboxUnavailable, id="socket-missing"),
    pytest.param(TimeoutError("timed out"), SandboxUnavailable, id="socket-timeout"),
]


@pytest.mark.parametrize(("raised", "expected"), KINDS)
def test_each_kind_of_engine_error_is_mapped_with_its_cause(raised: Exception, expected: type[Exception]) -> None:
    with pytest.raises(expected) as caught, map_docker_errors("run the sandbox job"):
        raise raised
    assert raised is caught.value.__cause__
    assert str(caught.value).startswith("could not run the sandbox job: ")


def _subclasses(root: type[BaseException]) -> Iterator[type[BaseException]]:
    for cls in root.__subclasses__():
        yield cls
        yield from _subclasses(cls)


def _instance(cls: type[BaseException]) -> BaseException:
    """An instance as the library would raise it: the first way of building one whose message reads."""
    if issubclass(cls, docker.errors.APIError):
        return cls("failed", _response(500), "explanation")
    response = SimpleNamespace(tell=lambda: 0, length_remaining=None)
    ways = (("failed",), ("failed", "failed"), (0, 0), (response, b"x"))  # the last: urllib3's InvalidChunkLength
    for args in ways:
        try:
            raised = cls(*args)
            str(raised)
        except (TypeError, AttributeError):
            continue
        return raised
    # Without the class's own __init__, whose arguments differ from class to class.
    raised = cls.__new__(cls)
    BaseException.__init__(raised, "failed")
    return raised


# What the engine client is made of: the SDK, its HTTP stack, and the sockets under it.
CLIENT_MODULES = {"docker", "requests", "urllib3", "http", "socket", "ssl", "builtins"}
FAMILIES = (
    docker.errors.DockerException,
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)


@pytest.mark.parametrize("root", FAMILIES, ids=lambda root: root.__name__)
def test_no_error_of_the_engine_client_slips_through(root: type[BaseException]) -> None:
    """Every class of each family (as installed), not only the ones listed above."""
    for cls in {root, *_subclasses(root)}:
        if cls.__module__.partition(".")[0] not in CLIENT_MODULES:
            continue  # OSError's tree holds every library's errors; only the engine client's matter
        raised = _instance(cls)
        with pytest.raises(InfrastructureError) as caught, map_docker_errors("reach the engine"):
            raise raised
        assert raised is caught.value.__cause__, cls


def test_our_own_errors_and_our_bugs_pass_unchanged() -> None:
    ours = InvalidSubmission("limits.timeout_s", "too long")
    with pytest.raises(InvalidSubmission) as caught, map_docker_errors("run the sandbox job"):
        raise ours
    assert ours is caught.value
    with pytest.raises(KeyError), map_docker_errors("run the sandbox job"):
        raise KeyError("a bug of ours is not an engine error")


def test_an_error_mapped_from_the_engine_is_told_from_one_of_our_checks() -> None:
    with pytest.raises(SandboxFailure) as caught, map_docker_errors("exec"):
        raise docker.errors.APIError("conflict", _response(409), "is not running")
    assert from_engine(caught.value)
    assert not from_engine(SandboxFailure("the supervisor sent more than 1 step can produce"))
