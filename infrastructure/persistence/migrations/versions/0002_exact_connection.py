"""Exact Online connection: encrypted tokens, OAuth states, shared rate budgets.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exact_connections",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=True),
        sa.Column("client_id", sa.Text(), nullable=True),
        sa.Column("client_secret", sa.Text(), nullable=True),
        sa.Column("redirect_url", sa.Text(), nullable=True),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("access_issued_ms", sa.BigInteger(), nullable=True),
        sa.Column("access_expires_ms", sa.BigInteger(), nullable=True),
        sa.Column("refreshed_ms", sa.BigInteger(), nullable=True),
        sa.Column("refresh_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("user_name", sa.Text(), nullable=True),
        sa.Column("user_email", sa.Text(), nullable=True),
        sa.Column("current_division", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("lock_version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exact_connections")),
    )
    op.create_table(
        "exact_oauth_states",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("expires_ms", sa.BigInteger(), nullable=False),
        sa.Column("used_ms", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_exact_oauth_states")),
    )
    op.create_table(
        "exact_rate_budgets",
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("division", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("minutely_limit", sa.Integer(), nullable=True),
        sa.Column("minutely_remaining", sa.Integer(), nullable=True),
        sa.Column("minutely_reset_ms", sa.BigInteger(), nullable=True),
        sa.Column("daily_limit", sa.Integer(), nullable=True),
        sa.Column("daily_remaining", sa.Integer(), nullable=True),
        sa.Column("daily_reset_ms", sa.BigInteger(), nullable=True),
        sa.Column("lock_version", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("client_id", "division", name=op.f("pk_exact_rate_budgets")),
    )


def downgrade() -> None:
    op.drop_table("exact_rate_budgets")
    op.drop_table("exact_oauth_states")
    op.drop_table("exact_connections")
