"""Tolerances: the request's (executions.tolerance) and each test's own (test_results.tolerance).

Both are JSON objects of ``Tolerance``'s fields (``absolute``, ``relative``). Rows written
before this revision hold NULL and read back as the default tolerance.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.add_column("executions", sa.Column("tolerance", sa.JSON(), nullable=True))
    op.add_column("test_results", sa.Column("tolerance", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("test_results") as batch:  # SQLite cannot drop a column in place
        batch.drop_column("tolerance")
    with op.batch_alter_table("executions") as batch:
        batch.drop_column("tolerance")
