"""Initial schema: customers, work, bookings, supplies, rates, VAT, orders with provenance.

Seeds the Dutch VAT codes, the invoicing settings and the order number counter,
as FakeStore does.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def fixed(precision: int, scale: int) -> sa.types.TypeEngine[Decimal]:
    """NUMERIC; on SQLite the value scaled to an integer (column_types.FixedDecimal)."""
    return sa.Numeric(precision, scale).with_variant(sa.BigInteger(), "sqlite")


HOURS = fixed(8, 2)
AMOUNT = fixed(18, 4)
PERCENTAGE = fixed(5, 2)


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    op.create_table(
        "employees",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
        sa.UniqueConstraint("code", name=op.f("uq_employees_code")),
    )
    op.create_table(
        "vat_codes",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("percentage", PERCENTAGE, nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_vat_codes")),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("vat_number", sa.String(length=15), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("address_line", sa.Text(), nullable=True),
        sa.Column("postcode", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("vat_code", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["vat_code"],
            ["vat_codes.code"],
            name=op.f("fk_customers_vat_code_vat_codes"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("code", name=op.f("uq_customers_code")),
    )
    op.create_table(
        "invoicing_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("default_vat_code", sa.Text(), nullable=False),
        sa.Column("hours_item_code", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["default_vat_code"],
            ["vat_codes.code"],
            name=op.f("fk_invoicing_settings_default_vat_code_vat_codes"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoicing_settings")),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_projects_customer_id_customers"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("customer_id", "code", name=op.f("uq_projects_customer_id_code")),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_orders_customer_id_customers"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_orders_project_id_projects"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_orders_number")),
    )
    op.create_index(
        op.f("ix_orders_customer_id_order_date"),
        "orders",
        ["customer_id", "order_date"],
        unique=False,
    )
    op.create_index(op.f("ix_orders_order_date"), "orders", ["order_date"], unique=False)
    op.create_table(
        "rate_rules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("rate", AMOUNT, nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("employee_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_rate_rules_customer_id_customers"),
            ondelete="CASCADE",
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_rate_rules_employee_id_employees"),
            ondelete="CASCADE",
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_rate_rules_project_id_projects"),
            ondelete="CASCADE",
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_rules")),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("item_code", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_tasks_project_id_projects"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("project_id", "code", name=op.f("uq_tasks_project_id_code")),
    )
    op.create_index(op.f("ix_tasks_project_id"), "tasks", ["project_id"], unique=False)
    op.create_table(
        "bookings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("hours", HOURS, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("billable", sa.Boolean(), nullable=False),
        sa.Column("rate", AMOUNT, nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_bookings_customer_id_customers"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_bookings_employee_id_employees"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_bookings_project_id_projects"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_bookings_task_id_tasks"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    op.create_index(
        op.f("ix_bookings_customer_id_date"), "bookings", ["customer_id", "date"], unique=False
    )
    op.create_index(op.f("ix_bookings_date_id"), "bookings", ["date", "id"], unique=False)
    op.create_index(
        op.f("ix_bookings_employee_id_date"), "bookings", ["employee_id", "date"], unique=False
    )
    op.create_table(
        "order_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("quantity", AMOUNT, nullable=False),
        sa.Column("unit_price", AMOUNT, nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("vat_code", sa.Text(), nullable=False),
        sa.Column("vat_rate", PERCENTAGE, nullable=False),
        sa.Column("item_code", sa.Text(), nullable=True),
        sa.Column("discount_percent", PERCENTAGE, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_lines_order_id_orders"),
            ondelete="CASCADE",
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_order_lines_project_id_projects"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_order_lines_task_id_tasks"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["vat_code"],
            ["vat_codes.code"],
            name=op.f("fk_order_lines_vat_code_vat_codes"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
    )
    op.create_index(
        op.f("ix_order_lines_order_id_position"),
        "order_lines",
        ["order_id", "position"],
        unique=False,
    )
    op.create_table(
        "supplies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("item_code", sa.Text(), nullable=False),
        sa.Column("quantity", AMOUNT, nullable=False),
        sa.Column("unit_price", AMOUNT, nullable=False),
        sa.Column("vat_code", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_supplies_customer_id_customers"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_supplies_project_id_projects"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_supplies_task_id_tasks"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["vat_code"],
            ["vat_codes.code"],
            name=op.f("fk_supplies_vat_code_vat_codes"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplies")),
    )
    op.create_index(
        op.f("ix_supplies_customer_id_date"), "supplies", ["customer_id", "date"], unique=False
    )
    op.create_index(op.f("ix_supplies_date_id"), "supplies", ["date", "id"], unique=False)
    op.create_table(
        "order_line_bookings",
        sa.Column("line_id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("hours", HOURS, nullable=False),
        sa.Column("rate", AMOUNT, nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_order_line_bookings_booking_id_bookings"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["order_lines.id"],
            name=op.f("fk_order_line_bookings_line_id_order_lines"),
            ondelete="CASCADE",
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("line_id", "booking_id", name=op.f("pk_order_line_bookings")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_order_line_bookings_booking_id")),
    )
    op.create_table(
        "order_line_supplies",
        sa.Column("line_id", sa.Uuid(), nullable=False),
        sa.Column("supply_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", AMOUNT, nullable=False),
        sa.Column("unit_price", AMOUNT, nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["order_lines.id"],
            name=op.f("fk_order_line_supplies_line_id_order_lines"),
            ondelete="CASCADE",
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.ForeignKeyConstraint(
            ["supply_id"],
            ["supplies.id"],
            name=op.f("fk_order_line_supplies_supply_id_supplies"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("line_id", "supply_id", name=op.f("pk_order_line_supplies")),
        sa.UniqueConstraint("supply_id", name=op.f("uq_order_line_supplies_supply_id")),
    )
    seed()


def stored_percentage(value: int) -> Decimal | int:
    """A percentage as PERCENTAGE stores it: NUMERIC, or hundredths on SQLite."""
    return value * 100 if op.get_context().dialect.name == "sqlite" else Decimal(value)


def seed() -> None:
    text, integer = sa.Text(), sa.Integer()
    vat_codes = sa.table(
        "vat_codes",
        sa.column("code", text),
        sa.column("description", text),
        sa.column("percentage", PERCENTAGE),
    )
    op.bulk_insert(
        vat_codes,
        [
            {"code": code, "description": description, "percentage": stored_percentage(rate)}
            for code, description, rate in (
                ("21", "BTW hoog 21%", 21),
                ("9", "BTW laag 9%", 9),
                ("0", "BTW 0%", 0),
            )
        ],
    )
    op.bulk_insert(
        sa.table(
            "invoicing_settings", sa.column("id", integer), sa.column("default_vat_code", text)
        ),
        [{"id": 1, "default_vat_code": "21"}],
    )
    op.bulk_insert(
        sa.table("counters", sa.column("name", text), sa.column("value", integer)),
        [{"name": "order_number", "value": 0}],
    )


def downgrade() -> None:
    for table in (
        "order_line_supplies",
        "order_line_bookings",
        "supplies",
        "order_lines",
        "bookings",
        "tasks",
        "rate_rules",
        "orders",
        "projects",
        "invoicing_settings",
        "customers",
        "vat_codes",
        "employees",
        "counters",
    ):
        op.drop_table(table)
