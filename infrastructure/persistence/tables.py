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

from domain.access import Role
from domain.audit import AuditOutcome
from domain.customers import Language
from domain.exact_mapping import MappingScope
from domain.invoices import InvoiceState
from domain.orders import LineKind, OrderStatus
from infrastructure.persistence.column_types import (
    FixedDecimal,
    ReferenceUuid,
    RejectedOrders,
    UtcDateTime,
    UuidTuple,
    string_enum,
)

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
    Column("exact_division", BigInteger),
    Column("exact_journal", Text),
    Column("exact_default_item", Text),
    Column("exact_default_vat_code", Text),
    Column("attach_pdf", Boolean, nullable=False, server_default="0"),
    Column("payment_term_days", Integer, nullable=False, server_default="30"),
    Column("company_name", Text, nullable=False, server_default=""),
    Column("company_address_line", Text),
    Column("company_postcode", Text),
    Column("company_city", Text),
    Column("company_country", String(2), nullable=False, server_default="NL"),
    Column("company_vat_number", Text),
    Column("company_chamber_of_commerce", Text),
    Column("company_iban", Text),
    Column("company_email", Text),
    Column("company_phone", Text),
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
    Column("chamber_of_commerce", Text),
    Column("exact_account_id", Uuid, unique=True),
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

# --- Invoicing to Exact ----------------------------------------------------------

exact_line_mappings = Table(
    "exact_line_mappings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("scope", string_enum(MappingScope), nullable=False),
    Column("key", Text, nullable=False),
    Column("exact_item_code", Text),
    Column("exact_vat_code", Text),
    UniqueConstraint("scope", "key"),
)

exact_accounts = Table(
    "exact_accounts",
    metadata,
    # A local mirror of Exact's accounts, kept current through the sync feed.
    Column("division", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", Uuid, primary_key=True),
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("vat_number", Text),
    Column("email", Text),
    Column("address_line", Text),
    Column("postcode", Text),
    Column("city", Text),
    Column("country", Text),
    Column("chamber_of_commerce", Text),
    Column("status", Text, nullable=False),
    Column("modified", UtcDateTime),
    Column("sync_timestamp", BigInteger, nullable=False),
    Index(None, "division", "code"),
)

exact_sync_cursors = Table(
    "exact_sync_cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
    Column("updated", UtcDateTime, nullable=False),
)

invoice_runs = Table(
    "invoice_runs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("idempotency_key", String(255), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("order_ids", UuidTuple, nullable=False),
    Column("rejections", RejectedOrders, nullable=False),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("run_id", ReferenceUuid, references("invoice_runs.id")),
    Column("order_id", Uuid, references("orders.id", ondelete="SET NULL"), unique=True),
    Column("customer_id", ReferenceUuid, references("customers.id"), nullable=False),
    Column("order_number", BigInteger, nullable=False),
    Column("invoice_date", Date, nullable=False),
    Column("reference", String(30), nullable=False, unique=True),
    Column("state", string_enum(InvoiceState), nullable=False),
    Column("division", BigInteger),
    Column("journal", Text),
    Column("exact_invoice_id", Uuid, unique=True),
    Column("exact_order_number", BigInteger),
    Column("exact_invoice_number", BigInteger),
    Column("subtotal", AMOUNT, nullable=False),
    Column("vat_total", AMOUNT, nullable=False),
    Column("total", AMOUNT, nullable=False),
    Column("exact_subtotal", AMOUNT),
    Column("exact_vat_total", AMOUNT),
    Column("exact_total", AMOUNT),
    Column("amount_mismatch", Boolean, nullable=False),
    Column("error_code", Text),
    Column("error_message", Text),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("exact_document_id", Uuid),
    Column("pdf_attached_at", UtcDateTime),
    Column("processed_at", UtcDateTime),
    Column("updated_at", UtcDateTime),
    Index(None, "state"),
    Index(None, "customer_id", "invoice_date"),
    Index(None, "run_id"),
)

invoice_history = Table(
    "invoice_history",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "invoice_id",
        ReferenceUuid,
        references("invoices.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("at", UtcDateTime, nullable=False),
    Column("state", string_enum(InvoiceState), nullable=False),
    Column("message", Text, nullable=False),
    Index(None, "invoice_id", "at"),
)

exact_outbox = Table(
    "exact_outbox",
    metadata,
    # Work for Exact, written in the same transaction as the state it comes from.
    # A worker leases a row (locked_until), does the call, and deletes the row
    # in the transaction that records the outcome.
    Column("id", Uuid, primary_key=True),
    Column(
        "invoice_id",
        ReferenceUuid,
        references("invoices.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("kind", String(16), nullable=False),
    Column("available_at", UtcDateTime, nullable=False),
    Column("locked_until", UtcDateTime),
    Column("locked_by", Text),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("invoice_id", "kind"),
    Index(None, "available_at"),
)

api_keys = Table(
    "api_keys",
    metadata,
    # Only a SHA-256 digest of each key is kept; `prefix` finds it (domain/access.py).
    Column("id", Uuid, primary_key=True),
    Column("name", String(80), nullable=False),
    Column("role", string_enum(Role), nullable=False),
    Column("prefix", String(12), nullable=False, unique=True),
    Column("digest", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("revoked_at", UtcDateTime),
    Column("last_used_at", UtcDateTime),
    Index(
        "uq_api_keys_active_name",
        "name",
        unique=True,
        sqlite_where=Column("revoked_at").is_(None),
        postgresql_where=Column("revoked_at").is_(None),
    ),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("action", String(64), nullable=False),
    Column("actor_key_id", Uuid),
    Column("actor_name", Text, nullable=False),
    Column("actor_role", string_enum(Role)),
    Column("arguments", Text, nullable=False),
    Column("outcome", string_enum(AuditOutcome), nullable=False),
    Column("error_codes", Text, nullable=False, server_default=""),
    Column("correlation_id", String(64)),
    Column("finished_at", UtcDateTime),
    Index(None, "at", "id"),
    Index(None, "actor_key_id", "at"),
    Index(None, "action", "at"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # A used idempotency key, written in the transaction of what it created
    # (application/idempotency.py); purged by created_at after the retention window.
    Column("scope", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("operation", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("result_ids", UuidTuple, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "created_at"),
)
