"""Initial schema: executions, test_results, generated_programs.

Written from Alembic's autogenerate output, then reviewed. Column types are the plain types
that ``tables.py``'s decorators store (``Text``, ``DateTime(timezone=True)``) so that this file
never changes when application code does.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "executions",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("challenge_id", sa.String(), nullable=False),
        sa.Column("code_version_id", sa.String(), nullable=False),
        sa.Column("student_id", sa.String(), nullable=False),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("function_name", sa.String(), nullable=True),
        sa.Column("limits", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error_type", sa.String(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("server_instance", sa.String(), nullable=False),
        sa.Column("client_address", sa.String(), nullable=False),
        sa.Column("user_agent", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(), nullable=True),
        sa.Column("approved_test_ids", sa.JSON(), nullable=False),
        sa.Column("failed_test_ids", sa.JSON(), nullable=False),
        sa.Column("total_tests", sa.Integer(), nullable=True),
        sa.Column("passed_tests", sa.Integer(), nullable=True),
        sa.Column("failed_tests", sa.Integer(), nullable=True),
        sa.Column("run_time_ms", sa.Integer(), nullable=True),
        sa.Column("cpu_time_ms", sa.Integer(), nullable=True),
        sa.Column("peak_memory_kb", sa.Integer(), nullable=True),
        sa.Column("compile_output", sa.Text(), nullable=False),
        sa.Column("stdout", sa.Text(), nullable=False),
        sa.Column("stderr", sa.Text(), nullable=False),
        sa.Column("stdout_truncated", sa.Boolean(), nullable=False),
        sa.Column("stderr_truncated", sa.Boolean(), nullable=False),
        sa.Column("grade_error_message", sa.Text(), nullable=False),
        sa.Column("grade_details", sa.JSON(), nullable=False),
        sa.Column("image_id", sa.String(), nullable=False),
        sa.Column("compiler_version", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_executions")),
    )
    for column in ("challenge_id", "code_version_id", "student_id", "status", "server_instance", "created_at"):
        op.create_index(op.f(f"ix_executions_{column}"), "executions", [column])

    op.create_table(
        "test_results",
        sa.Column("execution_id", sa.String(), nullable=False),
        sa.Column("test_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("input", sa.Text(), nullable=False),
        sa.Column("expected_output", sa.Text(), nullable=False),
        sa.Column("custom_validation_code", sa.Text(), nullable=False),
        sa.Column("result_position", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("failures", sa.JSON(), nullable=True),
        sa.Column("stdout", sa.Text(), nullable=True),
        sa.Column("stderr", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["execution_id"],
            ["executions.id"],
            name=op.f("fk_test_results_execution_id_executions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("execution_id", "test_id", name=op.f("pk_test_results")),
        sa.UniqueConstraint("execution_id", "position", name=op.f("uq_test_results_execution_id_position")),
    )

    op.create_table(
        "generated_programs",
        sa.Column("execution_id", sa.String(), nullable=False),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("generator", sa.String(), nullable=False),
        sa.Column("test_count", sa.Integer(), nullable=False),
        sa.Column("custom_validation_used", sa.Boolean(), nullable=False),
        sa.Column("generation_ms", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["execution_id"],
            ["executions.id"],
            name=op.f("fk_generated_programs_execution_id_executions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("execution_id", name=op.f("pk_generated_programs")),
    )


def downgrade() -> None:
    op.drop_table("generated_programs")
    op.drop_table("test_results")
    op.drop_table("executions")  # its indexes go with it
