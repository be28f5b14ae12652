"""The composition root: the one place that knows which adapter serves which port.

Tests build the same graph and override single providers with fakes, e.g.
`container.uow.override(providers.Object(FakeUnitOfWorkFactory()))`.
"""

from __future__ import annotations

from dependency_injector import containers, providers

from application.queries import Queries
from application.service import Hourbill
from application.use_cases import customers, generation, orders, sources, work
from hourbill.settings import Settings
from infrastructure.clock import SystemClock
from infrastructure.events import InProcessEventBroker
from infrastructure.exact.gateway import ExactOnlineGateway
from infrastructure.exact.http import ExactHttp
from infrastructure.exact.sandbox.sandbox import Sandbox
from infrastructure.exact.sandbox.server import EmbeddedSandboxTokens
from infrastructure.exact.tokens import AccessTokens, NotConnectedTokens
from infrastructure.persistence.database import Database
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)

    database = providers.Singleton(
        Database,
        url=settings.provided.database_url,
        echo=settings.provided.database_echo,
    )
    uow = providers.Singleton(SqlAlchemyUnitOfWorkFactory, database=database)
    clock = providers.Singleton(SystemClock, timezone=settings.provided.timezone)
    events = providers.Singleton(InProcessEventBroker)

    exact_sandbox = providers.Singleton(Sandbox)
    """The embedded Exact Online sandbox (served only when no Exact URL is configured)."""
    exact_tokens = providers.Singleton(
        lambda settings, sandbox: _exact_tokens(settings, sandbox),
        settings=settings,
        sandbox=exact_sandbox.provider,
    )
    exact_http = providers.Singleton(
        ExactHttp, tokens=exact_tokens, base_url=settings.provided.exact_url.call()
    )
    exact_gateway = providers.Singleton(ExactOnlineGateway, http=exact_http)

    hourbill = providers.Singleton(
        Hourbill,
        queries=providers.Singleton(Queries, uow=uow),
        order_events=events,
        create_customer=providers.Singleton(customers.CreateCustomer, uow=uow),
        update_customer=providers.Singleton(customers.UpdateCustomer, uow=uow),
        delete_customer=providers.Singleton(customers.DeleteCustomer, uow=uow),
        create_employee=providers.Singleton(work.CreateEmployee, uow=uow),
        create_project=providers.Singleton(work.CreateProject, uow=uow),
        create_task=providers.Singleton(work.CreateTask, uow=uow),
        create_rate_rule=providers.Singleton(work.CreateRateRule, uow=uow),
        delete_rate_rule=providers.Singleton(work.DeleteRateRule, uow=uow),
        save_vat_code=providers.Singleton(work.SaveVatCode, uow=uow),
        update_invoicing_settings=providers.Singleton(work.UpdateInvoicingSettings, uow=uow),
        record_booking=providers.Singleton(sources.RecordBooking, uow=uow),
        update_booking=providers.Singleton(sources.UpdateBooking, uow=uow),
        delete_booking=providers.Singleton(sources.DeleteBooking, uow=uow),
        record_supply=providers.Singleton(sources.RecordSupply, uow=uow),
        update_supply=providers.Singleton(sources.UpdateSupply, uow=uow),
        delete_supply=providers.Singleton(sources.DeleteSupply, uow=uow),
        preview_order_generation=providers.Singleton(
            generation.PreviewOrderGeneration, uow=uow, clock=clock
        ),
        generate_orders=providers.Singleton(
            generation.GenerateOrders, uow=uow, clock=clock, events=events
        ),
        create_order=providers.Singleton(orders.CreateOrder, uow=uow, events=events, clock=clock),
        update_order=providers.Singleton(orders.UpdateOrder, uow=uow, events=events),
        add_order_line=providers.Singleton(orders.AddOrderLine, uow=uow, events=events),
        update_order_line=providers.Singleton(orders.UpdateOrderLine, uow=uow, events=events),
        delete_order_line=providers.Singleton(orders.DeleteOrderLine, uow=uow, events=events),
        delete_orders=providers.Singleton(orders.DeleteOrders, uow=uow, events=events),
        merge_orders=providers.Singleton(orders.MergeOrders, uow=uow, events=events),
    )


def _exact_tokens(settings: Settings, sandbox: providers.Provider[Sandbox]) -> AccessTokens:
    if settings.exact_sandbox_embedded:
        return EmbeddedSandboxTokens(sandbox())
    return NotConnectedTokens()


def build_container(settings: Settings | None = None) -> Container:
    container = Container()
    if settings is not None:
        container.settings.override(providers.Object(settings))
    return container
