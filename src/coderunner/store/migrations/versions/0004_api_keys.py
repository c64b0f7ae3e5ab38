"""API keys (api_keys) and the key that submitted each execution (executions.api_key_id).

Executions stored before this revision, or while keys are off, have no key (NULL): with
keys on, no key sees them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rate_per_minute", sa.Integer(), nullable=True),
        sa.Column("max_concurrent", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_keys_secret_hash")),
    )
    op.add_column("executions", sa.Column("api_key_id", sa.String(), nullable=True))
    op.create_index(op.f("ix_executions_api_key_id"), "executions", ["api_key_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_executions_api_key_id"), table_name="executions")
    with op.batch_alter_table("executions") as batch:  # SQLite cannot drop a column in place
        batch.drop_column("api_key_id")
    op.drop_table("api_keys")
