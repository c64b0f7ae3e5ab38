"""The delivery outbox (events and webhooks), the callback URL, and two grade figures.

- ``deliveries``: one row per (execution, sink) owed a message, written with the final state;
- ``executions.callback_url``: the webhook of the submission ("" for none; old rows: "");
- ``executions.compile_time_ms`` and ``exit_code``: the build step's wall time and the
  deciding process's exit code, which the execution event reports (NULL on old rows).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.add_column("executions", sa.Column("callback_url", sa.Text(), nullable=False, server_default=""))
    op.add_column("executions", sa.Column("compile_time_ms", sa.Integer(), nullable=True))
    op.add_column("executions", sa.Column("exit_code", sa.Integer(), nullable=True))
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("execution_id", sa.String(), nullable=False),
        sa.Column("sink", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["execution_id"],
            ["executions.id"],
            name=op.f("fk_deliveries_execution_id_executions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("execution_id", "sink", name=op.f("uq_deliveries_execution_id_sink")),
    )
    op.create_index(op.f("ix_deliveries_next_attempt_at"), "deliveries", ["next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_deliveries_next_attempt_at"), table_name="deliveries")
    op.drop_table("deliveries")
    with op.batch_alter_table("executions") as batch:  # SQLite cannot drop a column in place
        batch.drop_column("exit_code")
        batch.drop_column("compile_time_ms")
        batch.drop_column("callback_url")
