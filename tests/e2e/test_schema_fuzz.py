"""Schemathesis against the real server: every answer is one the OpenAPI document describes.

A bounded, deterministic run (fixed seed, a capped number of examples per operation) of
schema-valid and schema-invalid requests, on SQLite and PostgreSQL. No answer may be a
5xx, and every status code, content type, header and body must match the document.
Submissions are sent with ``wait=false``, so grading them is not on the test's path: the
sandbox grades what it accepts in the background, and a full waiting line is a
documented 429.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from running_server import DATABASES, RunningServer, database_url
from schemathesis import BaseSchema, Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

EXAMPLES_PER_OPERATION = 60
SEED = 20240501
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def _checks_for(case: Case, mode: GenerationMode) -> list[Any]:
    """Every check, but: a query parameter sent empty means "not given" (as the README says),
    so a request the generator broke only that way is a valid one."""
    emptied = any(_sent_empty(value) for value in (case.query or {}).values())
    if mode is GenerationMode.NEGATIVE and emptied:
        return [check for check in CHECKS if check is not negative_data_rejection]
    return CHECKS


def _sent_empty(value: object) -> bool:
    """Whether a generated query value reaches the server as ``name=``: nothing, or an
    object whose only key is empty (``{"": "null"}`` is sent as ``limit=``)."""
    if isinstance(value, dict):
        return all(key == "" for key in value)
    return value in ("", None) or value == []


@pytest.fixture(scope="module", params=DATABASES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, docker_client: object
) -> Iterator[RunningServer]:
    database = database_url(request.param, tmp_path_factory.mktemp(f"db-{request.param}"))
    with RunningServer(tmp_path_factory.mktemp("fuzzed-server"), database, slots=1, queue_limit=2).serving() as running:
        yield running


@pytest.fixture(scope="module")
def api(server: RunningServer) -> BaseSchema:
    return schemathesis.openapi.from_url(f"{server.http_url}/openapi.json")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_every_answer_is_one_the_document_describes(api: BaseSchema, mode: GenerationMode) -> None:
    # schemathesis' own pytest integration (schemathesis.pytest) does not run under pytest 9:
    # each operation's strategy is driven by Hypothesis here instead.
    failures: list[str] = []
    for operation in (result.ok() for result in api.get_all_operations()):

        @seed(SEED)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],  # bounded: no shrinking
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def answers_as_documented(case: Case) -> None:
            if case.method.upper() == "POST":
                case.query = {**(case.query or {}), "wait": "false"}
            case.call_and_validate(checks=_checks_for(case, mode), timeout=60)

        try:
            answers_as_documented()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE, operation.label  # only: no request can break its schema
        except Exception as exc:  # every operation is tried; all failures are reported
            failures.append(f"{operation.label}:\n{exc}")
    assert [] == failures, "\n\n".join(failures)
