"""Pure pieces of the API's edges: the OpenAPI rewrite, plain-words errors, gRPC decoding, execution ids."""

from __future__ import annotations

from typing import Any

import pytest

from coderunner.entrypoints.execution_ids import checked_execution_id
from coderunner.entrypoints.grpc._generated import code_runner_pb2 as pb
from coderunner.entrypoints.grpc.handlers import Unreadable, _lenient
from coderunner.entrypoints.readiness import database_address, plain
from coderunner.entrypoints.rest.openapi import problem_answers
from coderunner.errors import ExecutionNotFound, SandboxUnavailable


def test_error_answers_become_problem_json_and_fastapis_validation_schemas_go() -> None:
    def answer(schema: str) -> dict[str, Any]:
        return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}

    document: dict[str, Any] = {
        "paths": {
            "/x": {
                "get": {
                    "responses": {
                        "200": answer("ProblemOut"),
                        "404": answer("ProblemOut"),
                        "422": answer("HTTPValidationError"),
                    }
                }
            },
            "/readyz": {"get": {"responses": {"503": answer("ReadinessOut")}}},
        },
        "components": {"schemas": {"HTTPValidationError": {}, "ValidationError": {}, "ProblemOut": {}}},
    }
    rewritten = problem_answers(document)
    responses = rewritten["paths"]["/x"]["get"]["responses"]
    assert {"application/json"} == set(responses["200"]["content"])  # a success is left alone
    assert {"application/problem+json"} == set(responses["404"]["content"]) == set(responses["422"]["content"])
    assert (
        "#/components/schemas/ProblemOut" == responses["422"]["content"]["application/problem+json"]["schema"]["$ref"]
    )
    assert {"application/json"} == set(rewritten["paths"]["/readyz"]["get"]["responses"]["503"]["content"])
    assert {"ProblemOut"} == set(rewritten["components"]["schemas"])


def test_an_engine_error_in_plain_words_is_the_operating_systems_reason() -> None:
    try:
        try:
            raise FileNotFoundError(2, "No such file or directory")
        except FileNotFoundError as inner:
            raise ConnectionError(("Connection aborted.", inner)) from None
    except ConnectionError as outer:
        wrapped = SandboxUnavailable("Docker engine not reachable")
        wrapped.__cause__ = outer
    assert "No such file or directory" == plain(wrapped)
    assert "engine gone" == plain(SandboxUnavailable("engine gone"))
    assert "RuntimeError: first line" == plain(RuntimeError("first line\nsecond line"))


def test_the_database_address_leaves_the_credentials_out() -> None:
    assert "postgresql+psycopg://db:5432/cr" == database_address("postgresql+psycopg://user:pw@db:5432/cr")
    assert "sqlite:///var/coderunner.db" == database_address("sqlite:///var/coderunner.db")


@pytest.mark.parametrize(
    "data", [b"\xff\xff\xff", b"\x0a\x02\xff\xfe"], ids=["garbage", "invalid-utf8-in-a-string-field"]
)
def test_bytes_that_are_not_the_message_are_unreadable_not_an_exception(data: bytes) -> None:
    parsed = _lenient(pb.GetExecutionRequest)(data)
    assert isinstance(parsed, Unreadable)
    assert "GetExecutionRequest" == parsed.message_type


def test_a_message_is_parsed() -> None:
    data = pb.GetExecutionRequest(execution_id="e-1").SerializeToString()
    assert pb.GetExecutionRequest(execution_id="e-1") == _lenient(pb.GetExecutionRequest)(data)


@pytest.mark.parametrize("execution_id", ["x" * 65, "a\x00", "\ud800"])
def test_an_id_no_execution_can_have_is_not_found_and_quoted_short(execution_id: str) -> None:
    with pytest.raises(ExecutionNotFound) as caught:
        checked_execution_id(execution_id)
    assert len(str(caught.value)) < 120
