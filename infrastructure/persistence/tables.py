"""The relational schema. Migrations create it; `metadata` is what they are checked against."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from domain.customers import Language
from domain.orders import LineKind, OrderStatus
from infrastructure.persistence.column_types import FixedDecimal, ReferenceUuid, string_enum

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

HOURS = FixedDecimal(8, 2)
AMOUNT = FixedDecimal(18, 4)
PERCENTAGE = FixedDecimal(5, 2)


def references(target: str, ondelete: str | None = None) -> ForeignKey:
    """A foreign key checked at commit: the ORM inserts rows of unrelated classes in any order."""
    return ForeignKey(target, ondelete=ondelete, deferrable=True, initially="DEFERRED")


vat_codes = Table(
    "vat_codes",
    metadata,
    Column("code", Text, primary_key=True),
    Column("description", Text, nullable=False),
    Column("percentage", PERCENTAGE, nullable=False),
)

invoicing_settings = Table(
    "invoicing_settings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("default_vat_code", Text, references("vat_codes.code"), nullable=False),
    Column("hours_item_code", Text),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("code", String(18), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("vat_number", String(15)),
    Column("email", Text),
    Column("address_line", Text),
    Column("postcode", Text),
    Column("city", Text),
    Column("country", String(2), nullable=False),
    Column("language", string_enum(Language), nullable=False),
    Column("vat_code", Text, references("vat_codes.code")),
)

employees = Table(
    "employees",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("code", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", ReferenceUuid, references("customers.id"), nullable=False),
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    UniqueConstraint("customer_id", "code"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("project_id", ReferenceUuid, references("projects.id"), nullable=False, index=True),
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("item_code", Text),
    UniqueConstraint("project_id", "code"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("employee_id", ReferenceUuid, references("employees.id"), nullable=False),
    Column("customer_id", ReferenceUuid, references("customers.id"), nullable=False),
    Column("date", Date, nullable=False),
    Column("hours", HOURS, nullable=False),
    Column("description", Text, nullable=False),
    Column("project_id", ReferenceUuid, references("projects.id")),
    Column("task_id", ReferenceUuid, references("tasks.id")),
    Column("billable", Boolean, nullable=False),
    Column("rate", AMOUNT),
    Index(None, "date", "id"),
    Index(None, "customer_id", "date"),
    Index(None, "employee_id", "date"),
)

supplies = Table(
    "supplies",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", ReferenceUuid, references("customers.id"), nullable=False),
    Column("date", Date, nullable=False),
    Column("item_code", Text, nullable=False),
    Column("quantity", AMOUNT, nullable=False),
    Column("unit_price", AMOUNT, nullable=False),
    Column("vat_code", Text, references("vat_codes.code"), nullable=False),
    Column("description", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("project_id", ReferenceUuid, references("projects.id")),
    Column("task_id", ReferenceUuid, references("tasks.id")),
    Index(None, "date", "id"),
    Index(None, "customer_id", "date"),
)

rate_rules = Table(
    "rate_rules",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("rate", AMOUNT, nullable=False),
    Column("customer_id", ReferenceUuid, references("customers.id", ondelete="CASCADE")),
    Column("project_id", ReferenceUuid, references("projects.id", ondelete="CASCADE")),
    Column("employee_id", ReferenceUuid, references("employees.id", ondelete="CASCADE")),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("number", BigInteger, unique=True),
    Column("customer_id", ReferenceUuid, references("customers.id"), nullable=False),
    Column("order_date", Date, nullable=False),
    Column("description", Text, nullable=False),
    Column("reference", String(255)),
    Column("project_id", ReferenceUuid, references("projects.id")),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("status", string_enum(OrderStatus), nullable=False),
    Index(None, "customer_id", "order_date"),
    Index(None, "order_date"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("order_id", ReferenceUuid, references("orders.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("quantity", AMOUNT, nullable=False),
    Column("unit_price", AMOUNT, nullable=False),
    Column("unit", Text, nullable=False),
    Column("vat_code", Text, references("vat_codes.code"), nullable=False),
    Column("vat_rate", PERCENTAGE, nullable=False),
    Column("item_code", Text),
    Column("discount_percent", PERCENTAGE, nullable=False),
    Column("kind", string_enum(LineKind), nullable=False),
    Column("project_id", ReferenceUuid, references("projects.id")),
    Column("task_id", ReferenceUuid, references("tasks.id")),
    Index(None, "order_id", "position"),
)

order_line_bookings = Table(
    "order_line_bookings",
    metadata,
    Column(
        "line_id",
        ReferenceUuid,
        references("order_lines.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("booking_id", Uuid, references("bookings.id"), primary_key=True, unique=True),
    Column("hours", HOURS, nullable=False),
    Column("rate", AMOUNT, nullable=False),
)

order_line_supplies = Table(
    "order_line_supplies",
    metadata,
    Column(
        "line_id",
        ReferenceUuid,
        references("order_lines.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("supply_id", Uuid, references("supplies.id"), primary_key=True, unique=True),
    Column("quantity", AMOUNT, nullable=False),
    Column("unit_price", AMOUNT, nullable=False),
)

ORDER_NUMBER = "order_number"

# --- Exact Online connection --------------------------------------------------
# Times are epoch milliseconds (UTC): unambiguous on SQLite and PostgreSQL alike.
# Secrets (client secret, tokens) are stored encrypted (infrastructure/secrets.py).

exact_connections = Table(
    "exact_connections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("status", String(32), nullable=False),
    Column("country", String(8), nullable=False),
    Column("base_url", Text),
    Column("client_id", Text),
    Column("client_secret", Text),
    Column("redirect_url", Text),
    Column("access_token", Text),
    Column("refresh_token", Text),
    Column("access_issued_ms", BigInteger),
    Column("access_expires_ms", BigInteger),
    Column("refreshed_ms", BigInteger),
    Column("refresh_count", Integer, nullable=False, server_default="0"),
    Column("user_id", Uuid),
    Column("user_name", Text),
    Column("user_email", Text),
    Column("current_division", Integer),
    Column("reason", Text),
    Column("lock_version", BigInteger, nullable=False, server_default="0"),
    Column("updated_ms", BigInteger, nullable=False),
)

exact_oauth_states = Table(
    "exact_oauth_states",
    metadata,
    Column("state_hash", String(64), primary_key=True),
    Column("created_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
    Column("used_ms", BigInteger),
    Column("created_by", Text),
)

exact_rate_budgets = Table(
    "exact_rate_budgets",
    metadata,
    Column("client_id", Text, primary_key=True),
    Column("division", BigInteger, primary_key=True, autoincrement=False),
    Column("minutely_limit", Integer),
    Column("minutely_remaining", Integer),
    Column("minutely_reset_ms", BigInteger),
    Column("daily_limit", Integer),
    Column("daily_remaining", Integer),
    Column("daily_reset_ms", BigInteger),
    Column("lock_version", BigInteger, nullable=False, server_default="0"),
)
