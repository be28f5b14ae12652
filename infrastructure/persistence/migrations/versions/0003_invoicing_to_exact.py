"""Invoicing to Exact: administration settings, line mappings, account mirror, invoices, outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


AMOUNT: sa.types.TypeEngine[Decimal] = sa.Numeric(18, 4).with_variant(sa.BigInteger(), "sqlite")
"""NUMERIC; on SQLite scaled to an integer (column_types.FixedDecimal). Times are epoch ms."""


def upgrade() -> None:
    op.create_table(
        "exact_accounts",
        sa.Column("division", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("vat_number", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("address_line", sa.Text(), nullable=True),
        sa.Column("postcode", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("country", sa.Text(), nullable=True),
        sa.Column("chamber_of_commerce", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=True),
        sa.Column("sync_timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("division", "account_id", name=op.f("pk_exact_accounts")),
    )
    with op.batch_alter_table("exact_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exact_accounts_division_code"), ["division", "code"], unique=False
        )

    op.create_table(
        "exact_line_mappings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "scope",
            sa.Enum(
                "TASK", "PROJECT", "ITEM", "VAT", name="mappingscope", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("exact_item_code", sa.Text(), nullable=True),
        sa.Column("exact_vat_code", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exact_line_mappings")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_exact_line_mappings_scope_key")),
    )
    op.create_table(
        "exact_sync_cursors",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_exact_sync_cursors")),
    )
    op.create_table(
        "invoice_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("order_ids", sa.Text(), nullable=False),
        sa.Column("rejections", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_runs")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_invoice_runs_idempotency_key")),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("order_number", sa.BigInteger(), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=30), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "QUEUED",
                "SENT",
                "FAILED",
                "PROCESSED",
                "DELETED",
                name="invoicestate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("division", sa.BigInteger(), nullable=True),
        sa.Column("journal", sa.Text(), nullable=True),
        sa.Column("exact_invoice_id", sa.Uuid(), nullable=True),
        sa.Column("exact_order_number", sa.BigInteger(), nullable=True),
        sa.Column("exact_invoice_number", sa.BigInteger(), nullable=True),
        sa.Column("subtotal", AMOUNT, nullable=False),
        sa.Column("vat_total", AMOUNT, nullable=False),
        sa.Column("total", AMOUNT, nullable=False),
        sa.Column("exact_subtotal", AMOUNT, nullable=True),
        sa.Column("exact_vat_total", AMOUNT, nullable=True),
        sa.Column("exact_total", AMOUNT, nullable=True),
        sa.Column("amount_mismatch", sa.Boolean(), nullable=False),
        sa.Column("error_code", sa.Text(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=True),
        sa.Column("processed_at", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_invoices_customer_id_customers"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_invoices_order_id_orders"),
            ondelete="SET NULL",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["invoice_runs.id"],
            name=op.f("fk_invoices_run_id_invoice_runs"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("exact_invoice_id", name=op.f("uq_invoices_exact_invoice_id")),
        sa.UniqueConstraint("order_id", name=op.f("uq_invoices_order_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_invoices_reference")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoices_customer_id_invoice_date"),
            ["customer_id", "invoice_date"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_invoices_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_state"), ["state"], unique=False)

    op.create_table(
        "exact_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("available_at", sa.BigInteger(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=True),
        sa.Column("locked_by", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_exact_outbox_invoice_id_invoices"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exact_outbox")),
        sa.UniqueConstraint("invoice_id", "kind", name=op.f("uq_exact_outbox_invoice_id_kind")),
    )
    with op.batch_alter_table("exact_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exact_outbox_available_at"), ["available_at"], unique=False
        )

    op.create_table(
        "invoice_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "QUEUED",
                "SENT",
                "FAILED",
                "PROCESSED",
                "DELETED",
                name="invoicestate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_history_invoice_id_invoices"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_history")),
    )
    with op.batch_alter_table("invoice_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_history_invoice_id_at"), ["invoice_id", "at"], unique=False
        )

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chamber_of_commerce", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("exact_account_id", sa.Uuid(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_customers_exact_account_id"), ["exact_account_id"]
        )

    with op.batch_alter_table("invoicing_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exact_division", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("exact_journal", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("exact_default_item", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("exact_default_vat_code", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("attach_pdf", sa.Boolean(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("invoicing_settings", schema=None) as batch_op:
        batch_op.drop_column("attach_pdf")
        batch_op.drop_column("exact_default_vat_code")
        batch_op.drop_column("exact_default_item")
        batch_op.drop_column("exact_journal")
        batch_op.drop_column("exact_division")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_customers_exact_account_id"), type_="unique")
        batch_op.drop_column("exact_account_id")
        batch_op.drop_column("chamber_of_commerce")

    with op.batch_alter_table("invoice_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_history_invoice_id_at"))

    op.drop_table("invoice_history")
    with op.batch_alter_table("exact_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exact_outbox_available_at"))

    op.drop_table("exact_outbox")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_state"))
        batch_op.drop_index(batch_op.f("ix_invoices_run_id"))
        batch_op.drop_index(batch_op.f("ix_invoices_customer_id_invoice_date"))

    op.drop_table("invoices")
    op.drop_table("invoice_runs")
    op.drop_table("exact_sync_cursors")
    op.drop_table("exact_line_mappings")
    with op.batch_alter_table("exact_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exact_accounts_division_code"))

    op.drop_table("exact_accounts")
