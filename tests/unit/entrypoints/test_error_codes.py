"""Every error of the tree has one row in the wire table, and subclasses answer like their parents."""

from __future__ import annotations

import pytest

import coderunner.bootstrap  # noqa: F401 - imports every adapter, and with them their errors
from coderunner import errors
from coderunner.entrypoints.error_codes import ERROR_TABLE, error_field, wire_error


def all_subclasses(cls: type[errors.CoderunnerError]) -> set[type[errors.CoderunnerError]]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= all_subclasses(sub)
    return found


def instance(cls: type[errors.CoderunnerError]) -> errors.CoderunnerError:
    """An instance whatever its constructor wants: the table looks at the class only."""
    error = cls.__new__(cls)
    Exception.__init__(error, "broken")
    return error


@pytest.mark.parametrize(
    ("error", "http_status", "grpc_code"),
    [
        (errors.InvalidSubmission("code", "is empty"), 422, "INVALID_ARGUMENT"),
        (errors.TemplateError("no function", None), 422, "INVALID_ARGUMENT"),
        (errors.ExecutionNotFound("x"), 404, "NOT_FOUND"),
        (errors.Overloaded("busy"), 429, "RESOURCE_EXHAUSTED"),
        (errors.InfrastructureError("down"), 503, "UNAVAILABLE"),
        (errors.SandboxUnavailable("no engine"), 503, "UNAVAILABLE"),
        (errors.SandboxFailure("lost"), 503, "UNAVAILABLE"),
        (errors.StoreError("no db"), 503, "UNAVAILABLE"),
        (errors.CoderunnerError("?"), 500, "INTERNAL"),
    ],
)
def test_each_error_has_its_codes(error: errors.CoderunnerError, http_status: int, grpc_code: str) -> None:
    row = wire_error(error)
    assert (http_status, grpc_code) == (row.http_status, row.grpc_code)


@pytest.mark.parametrize("cls", sorted(all_subclasses(errors.CoderunnerError), key=str))
def test_no_error_of_the_tree_falls_through_to_internal(cls: type[errors.CoderunnerError]) -> None:
    """A new error class must be placed under a listed ancestor, or get its own row."""
    assert 500 != wire_error(instance(cls)).http_status or issubclass(cls, errors.InfrastructureError)


def test_grpc_codes_are_real_status_codes() -> None:
    import grpc

    assert all(row.grpc_code in grpc.StatusCode.__members__ for row in ERROR_TABLE.values())


def test_only_request_errors_name_a_field() -> None:
    assert "tests[0].input" == error_field(errors.InvalidSubmission("tests[0].input", "bad"))
    assert None is error_field(errors.Overloaded("busy"))
