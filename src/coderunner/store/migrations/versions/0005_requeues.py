"""How often a pending execution was queued again after the broker lost it.

- ``executions.requeues``: times the stranded-record sweep queued it again (0 on old rows);
- ``executions.requeued_at``: when it last did (NULL: never), so that several sweepers
  running at once queue one stranded execution once per period, and none queues it again
  before the queue had time to take it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.add_column("executions", sa.Column("requeues", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("executions", sa.Column("requeued_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("executions") as batch:  # SQLite cannot drop a column in place
        batch.drop_column("requeued_at")
        batch.drop_column("requeues")
