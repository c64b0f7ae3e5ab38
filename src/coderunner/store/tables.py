"""Typed ORM rows. They never leave this package: ``sql_store`` converts them to domain objects.

Five tables:

- ``executions``: one row per execution: the submission, where it stands, and the grade's
  summary (verdict, counts, ids, timings, output). Grade columns stay NULL/empty until graded.
- ``test_results``: one row per test, keyed by (execution_id, test_id). ``create()`` writes a row
  for each submitted test case (``position`` = its index in the submission, ``status`` NULL);
  ``finish()`` fills in the outcome (``result_position`` = its index in the grade). So a test
  case is stored once, and ``get()`` rebuilds both the Submission (rows with a position) and
  the Grade (rows with a result_position). An outcome for a test id that was never submitted
  gets a row without a position, so it is kept without becoming part of the submission.
- ``generated_programs``: the test program built for an execution, at most one.
- ``deliveries``: the outbox of events and webhooks owed for finished executions, one row
  per (execution, sink), written in the transaction that stores the final state.
- ``api_keys``: the API keys, each with the SHA-256 of its secret (never the secret);
  ``executions.api_key_id`` names the key that submitted an execution (NULL: keys were off).

The migrations (``migrations/versions/``) must build exactly this module's schema; a test
compares them with Alembic's autogenerate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from coderunner.store.column_types import SafeText, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        str: String(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class ExecutionRow(Base):
    __tablename__ = "executions"

    id: Mapped[str] = mapped_column(primary_key=True)  # a uuid, chosen by the pipeline

    # The submission. Its test cases are rows of test_results.
    challenge_id: Mapped[str] = mapped_column(index=True)
    code_version_id: Mapped[str] = mapped_column(index=True)
    student_id: Mapped[str] = mapped_column(index=True)
    language: Mapped[str]
    code: Mapped[str] = mapped_column(SafeText)
    function_name: Mapped[str | None]
    limits: Mapped[dict[str, Any]]  # Limits' fields by name
    tolerance: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # Tolerance's fields; NULL before 0002
    callback_url: Mapped[str] = mapped_column(SafeText, default="")  # the webhook; "" for none

    # Where it stands.
    status: Mapped[str] = mapped_column(index=True)  # ExecutionStatus
    error_type: Mapped[str] = mapped_column(default="")
    error_message: Mapped[str] = mapped_column(SafeText, default="")
    created_at: Mapped[datetime] = mapped_column(index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Scale-out: times the stranded-record sweep queued it again, and when it last did.
    requeues: Mapped[int] = mapped_column(default=0, server_default="0")
    requeued_at: Mapped[datetime | None]

    # Who asked.
    server_instance: Mapped[str] = mapped_column(index=True)
    api_key_id: Mapped[str | None] = mapped_column(index=True)  # no foreign key: a key's history outlives nothing
    client_address: Mapped[str]
    user_agent: Mapped[str] = mapped_column(SafeText)

    # The grade; verdict is NULL until there is one. Ids and counts repeat what test_results
    # holds so that they can be read and queried without it.
    verdict: Mapped[str | None]
    approved_test_ids: Mapped[list[str]] = mapped_column(default=list)
    failed_test_ids: Mapped[list[str]] = mapped_column(default=list)
    total_tests: Mapped[int | None]
    passed_tests: Mapped[int | None]
    failed_tests: Mapped[int | None]
    run_time_ms: Mapped[int | None]
    cpu_time_ms: Mapped[int | None]
    peak_memory_kb: Mapped[int | None]
    compile_time_ms: Mapped[int | None]  # Grade.compile_wall_ms
    exit_code: Mapped[int | None]  # Grade.exit_code
    compile_output: Mapped[str] = mapped_column(SafeText, default="")
    stdout: Mapped[str] = mapped_column(SafeText, default="")  # already capped by the sandbox
    stderr: Mapped[str] = mapped_column(SafeText, default="")
    stdout_truncated: Mapped[bool] = mapped_column(default=False)
    stderr_truncated: Mapped[bool] = mapped_column(default=False)
    grade_error_message: Mapped[str] = mapped_column(SafeText, default="")  # Grade.error_message
    grade_details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # Grade.details
    image_id: Mapped[str] = mapped_column(default="")
    compiler_version: Mapped[str] = mapped_column(default="")

    tests: Mapped[list[TestResultRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )
    program: Mapped[GeneratedProgramRow | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


class TestResultRow(Base):
    """A submitted test case and, once graded, its outcome."""

    __tablename__ = "test_results"
    __test__ = False  # not a pytest class, despite the name
    # No such constraint on result_position: a second finish renumbers the outcomes one UPDATE
    # at a time, and two rows would hold the same number in between.
    __table_args__ = (UniqueConstraint("execution_id", "position"),)

    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id", ondelete="CASCADE"), primary_key=True)
    test_id: Mapped[str] = mapped_column(primary_key=True)

    # The test case; position is NULL for an outcome whose test id was never submitted.
    position: Mapped[int | None]
    input: Mapped[str] = mapped_column(SafeText, default="")
    expected_output: Mapped[str] = mapped_column(SafeText, default="")
    custom_validation_code: Mapped[str] = mapped_column(SafeText, default="")
    tolerance: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the test's own Tolerance, if any

    # The outcome; all NULL until graded.
    result_position: Mapped[int | None]
    status: Mapped[str | None]  # TestStatus
    duration_ms: Mapped[int | None]
    failures: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # AssertionFailure fields by name
    stdout: Mapped[str | None] = mapped_column(SafeText)
    stderr: Mapped[str | None] = mapped_column(SafeText)
    message: Mapped[str | None] = mapped_column(SafeText)


class GeneratedProgramRow(Base):
    __tablename__ = "generated_programs"

    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str]
    generator: Mapped[str]
    test_count: Mapped[int]
    custom_validation_used: Mapped[bool]
    generation_ms: Mapped[int]
    size_bytes: Mapped[int]  # of the UTF-8 source, kept for queries
    source: Mapped[str] = mapped_column(SafeText)


class DeliveryRow(Base):
    """One message owed for a finished execution: its event to one sink, or its webhook."""

    __tablename__ = "deliveries"
    # One per destination: writing a final state again never owes a second message.
    __table_args__ = (UniqueConstraint("execution_id", "sink"),)

    id: Mapped[str] = mapped_column(primary_key=True)  # a uuid: the webhook-id receivers dedupe on
    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id", ondelete="CASCADE"))
    sink: Mapped[str]  # "redis", "http" or "webhook"
    state: Mapped[str]  # DeliveryState
    attempts: Mapped[int]
    created_at: Mapped[datetime]
    # Due time while pending; a claimed delivery is pushed ahead by the claim's lease.
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(SafeText, default="")


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(primary_key=True)  # key_<16 hex>, shown to operators
    name: Mapped[str] = mapped_column(SafeText)
    secret_hash: Mapped[str] = mapped_column(unique=True)  # SHA-256 of the secret, hex
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    rate_per_minute: Mapped[int | None]
    max_concurrent: Mapped[int | None]
