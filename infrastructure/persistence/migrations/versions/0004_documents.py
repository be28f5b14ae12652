"""Documents: the company details and payment terms they print, and the invoice PDF in Exact

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exact_document_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("pdf_attached_at", sa.BigInteger(), nullable=True))

    with op.batch_alter_table("invoicing_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("payment_term_days", sa.Integer(), server_default="30", nullable=False)
        )
        batch_op.add_column(sa.Column("company_name", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("company_address_line", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("company_postcode", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("company_city", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("company_country", sa.String(length=2), server_default="NL", nullable=False)
        )
        batch_op.add_column(sa.Column("company_vat_number", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("company_chamber_of_commerce", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("company_iban", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("company_email", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("company_phone", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoicing_settings", schema=None) as batch_op:
        batch_op.drop_column("company_phone")
        batch_op.drop_column("company_email")
        batch_op.drop_column("company_iban")
        batch_op.drop_column("company_chamber_of_commerce")
        batch_op.drop_column("company_vat_number")
        batch_op.drop_column("company_country")
        batch_op.drop_column("company_city")
        batch_op.drop_column("company_postcode")
        batch_op.drop_column("company_address_line")
        batch_op.drop_column("company_name")
        batch_op.drop_column("payment_term_days")

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("pdf_attached_at")
        batch_op.drop_column("exact_document_id")
