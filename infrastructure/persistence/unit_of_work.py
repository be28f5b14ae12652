"""The SQL unit of work: one AsyncSession, one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from application.access import ApiKeyRepository, AuditLogRepository
from application.invoicing_ports import InvoiceRepository, Outbox
from application.ports import (
    BookingRepository,
    CustomerRepository,
    ExactAccountMirror,
    IdempotencyRepository,
    LineMappingRepository,
    OrderRepository,
    RateRuleRepository,
    SettingsRepository,
    SupplyRepository,
    VatCodeRepository,
    WorkRepository,
)
from infrastructure.persistence.access import (
    SqlAlchemyApiKeyRepository,
    SqlAlchemyAuditLogRepository,
)
from infrastructure.persistence.conflicts import report_billed_twice_as_conflict
from infrastructure.persistence.database import Database
from infrastructure.persistence.exact_accounts import SqlAlchemyExactAccountMirror
from infrastructure.persistence.idempotency import SqlAlchemyIdempotencyRepository
from infrastructure.persistence.invoices import SqlAlchemyInvoiceRepository, SqlAlchemyOutbox
from infrastructure.persistence.line_mappings import SqlAlchemyLineMappingRepository
from infrastructure.persistence.mapping import map_tables
from infrastructure.persistence.repositories import (
    SqlAlchemyBookingRepository,
    SqlAlchemyCustomerRepository,
    SqlAlchemyOrderRepository,
    SqlAlchemyRateRuleRepository,
    SqlAlchemySettingsRepository,
    SqlAlchemySupplyRepository,
    SqlAlchemyVatCodeRepository,
    SqlAlchemyWorkRepository,
)


class SqlAlchemyUnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self.customers: CustomerRepository = SqlAlchemyCustomerRepository(self.session)
        self.work: WorkRepository = SqlAlchemyWorkRepository(self.session)
        self.bookings: BookingRepository = SqlAlchemyBookingRepository(self.session)
        self.supplies: SupplyRepository = SqlAlchemySupplyRepository(self.session)
        self.rate_rules: RateRuleRepository = SqlAlchemyRateRuleRepository(self.session)
        self.vat_codes: VatCodeRepository = SqlAlchemyVatCodeRepository(self.session)
        self.settings: SettingsRepository = SqlAlchemySettingsRepository(self.session)
        self.orders: OrderRepository = SqlAlchemyOrderRepository(self.session)
        self.exact_accounts: ExactAccountMirror = SqlAlchemyExactAccountMirror(self.session)
        self.line_mappings: LineMappingRepository = SqlAlchemyLineMappingRepository(self.session)
        self.invoices: InvoiceRepository = SqlAlchemyInvoiceRepository(self.session)
        self.outbox: Outbox = SqlAlchemyOutbox(self.session)
        self.idempotency: IdempotencyRepository = SqlAlchemyIdempotencyRepository(self.session)
        self.api_keys: ApiKeyRepository = SqlAlchemyApiKeyRepository(self.session)
        self.audit_log: AuditLogRepository = SqlAlchemyAuditLogRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        """Undo the transaction; loaded objects stay readable, as they were in memory."""
        self.session.expunge_all()
        await self.session.rollback()


class SqlAlchemyUnitOfWorkFactory:
    def __init__(self, database: Database) -> None:
        map_tables()
        report_billed_twice_as_conflict(database.engine.sync_engine)
        self.database = database

    def __call__(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.database.sessions)
