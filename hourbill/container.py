"""The composition root: the one place that knows which adapter serves which port.

Tests build the same graph and override single providers with fakes, e.g.
`container.uow.override(providers.Object(FakeUnitOfWorkFactory()))`.
"""

from __future__ import annotations

import datetime as dt

import httpx
from dependency_injector import containers, providers

from application import access, administration, customer_sync
from application.documents import PrintDocuments
from application.exact_connection import (
    CompleteExactConnection,
    ConfigureExactConnection,
    DisconnectExact,
    ExactConnectionConfig,
    StartExactConnection,
)
from application.idempotency import Idempotency
from application.invoice_documents import AttachInvoicePdfs, QueuePdfAttachments
from application.invoice_sync import (
    HandleExactWebhook,
    InvoiceNumberPolling,
    ManageExactWebhooks,
    ProcessInvoice,
    SyncInvoiceNumbers,
)
from application.invoicing import CreateInvoices, DeleteInvoice, InvoiceQueries, RetryInvoices
from application.invoicing_ports import OutboxKind
from application.outbox import PushInvoices, RetryPolicy
from application.queries import Queries
from application.service import Hourbill
from application.use_cases import customers, generation, orders, sources, work
from hourbill.keys import secret_key
from hourbill.settings import Settings
from infrastructure.clock import SystemClock
from infrastructure.documents.pdf import FpdfRenderer
from infrastructure.events import InProcessEventBroker
from infrastructure.events_postgres import PostgresEventBroker
from infrastructure.exact.budget import DatabaseRateBudget
from infrastructure.exact.connection import (
    OAuthFactory,
    SqlExactConnector,
    SqlOAuthStates,
    StoredAccessTokens,
    current_user_over,
)
from infrastructure.exact.gateway import ExactOnlineGateway
from infrastructure.exact.http import DEFAULT_TIMEOUT, ExactHttp
from infrastructure.exact.oauth_client import ExactOAuthClient
from infrastructure.exact.sandbox.sandbox import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_WEBHOOK_SECRET,
    Sandbox,
)
from infrastructure.exact.webhook_verifier import HmacWebhookVerifier
from infrastructure.persistence.database import Database
from infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
from infrastructure.secrets import SecretBox
from infrastructure.worker import OutboxHandlers, OutboxSignal, OutboxWorker


def _retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(first_delay=dt.timedelta(seconds=settings.push_retry_seconds))


def _worker_lease(settings: Settings) -> dt.timedelta:
    return dt.timedelta(seconds=settings.worker_lease_seconds)


def _idempotency_retention(settings: Settings) -> dt.timedelta:
    return dt.timedelta(hours=settings.idempotency_retention_hours)


def _oauth_factory(client: httpx.AsyncClient) -> OAuthFactory:
    return lambda base_url: ExactOAuthClient(client, base_url)


def _exact_defaults(settings: Settings) -> ExactConnectionConfig | None:
    return settings.exact_defaults((str(DEMO_CLIENT_ID), DEMO_CLIENT_SECRET))


def _webhook_secret(settings: Settings) -> str | None:
    return settings.webhook_secret(DEMO_WEBHOOK_SECRET)


def _budget_client(defaults: ExactConnectionConfig | None) -> str:
    """Exact's limits are per app: the budget is keyed on the client ID."""
    return defaults.client_id if defaults else "unconfigured"


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)

    database = providers.Singleton(
        Database,
        url=settings.provided.database_url,
        echo=settings.provided.database_echo,
    )
    uow = providers.Singleton(SqlAlchemyUnitOfWorkFactory, database=database)
    clock = providers.Singleton(SystemClock, timezone=settings.provided.timezone)
    idempotency = providers.Singleton(
        Idempotency,
        uow=uow,
        clock=clock,
        retention=providers.Callable(_idempotency_retention, settings),
    )
    """Keys of creating mutations: a retry answers with the first result (ADR 22)."""
    events = providers.Selector(
        settings.provided.event_delivery,
        in_process=providers.Singleton(InProcessEventBroker),
        postgres=providers.Singleton(PostgresEventBroker, database),
    )
    """Publisher and subscriptions: every server process on PostgreSQL, this one on SQLite."""

    exact_sandbox = providers.Singleton(Sandbox)
    """The embedded Exact Online sandbox (served only when no Exact app is configured)."""
    exact_client = providers.Singleton(httpx.AsyncClient, timeout=DEFAULT_TIMEOUT)
    """One connection pool for every Exact call: REST, OAuth and `current/Me`."""
    secret_box = providers.Singleton(SecretBox, key=providers.Callable(secret_key, settings))
    exact_oauth = providers.Callable(_oauth_factory, exact_client)
    exact_defaults = providers.Callable(_exact_defaults, settings)
    exact_tokens = providers.Singleton(StoredAccessTokens, database, secret_box, exact_oauth, clock)
    exact_connector = providers.Singleton(
        SqlExactConnector,
        database,
        secret_box,
        exact_oauth,
        clock,
        exact_defaults,
        who=providers.Callable(current_user_over, exact_client),
        on_change=exact_tokens.provided.forget,
    )
    exact_states = providers.Singleton(SqlOAuthStates, database, clock)
    exact_budget = providers.Singleton(
        DatabaseRateBudget, database, providers.Callable(_budget_client, exact_defaults)
    )
    exact_http = providers.Singleton(
        ExactHttp,
        tokens=exact_tokens,
        base_url=settings.provided.exact_url.call(),
        client=exact_client,
        budget=exact_budget,
    )
    exact_gateway = providers.Singleton(ExactOnlineGateway, http=exact_http)

    exact_webhook_verifier = providers.Singleton(
        HmacWebhookVerifier, secret=providers.Callable(_webhook_secret, settings)
    )
    invoice_number_sync = providers.Singleton(
        SyncInvoiceNumbers, uow=uow, exact=exact_gateway, clock=clock, events=events
    )
    exact_webhook_handler = providers.Singleton(
        HandleExactWebhook, sync=invoice_number_sync, verifier=exact_webhook_verifier
    )
    """Verifies webhook calls and refreshes in the background; closed at shutdown."""
    invoice_number_polling = providers.Singleton(
        InvoiceNumberPolling,
        sync=invoice_number_sync,
        interval=settings.provided.sync_interval_seconds,
    )
    """The fallback for lost webhooks, started with the server."""

    account_linker = providers.Singleton(
        customer_sync.ExactAccountLinker, uow=uow, exact=exact_gateway, clock=clock
    )
    outbox_signal = providers.Singleton(OutboxSignal)
    """Wakes this process's outbox worker when invoices are queued here."""
    invoice_push = providers.Singleton(
        PushInvoices,
        uow=uow,
        exact=exact_gateway,
        accounts=account_linker,
        events=events,
        clock=clock,
        policy=providers.Callable(_retry_policy, settings),
    )

    document_renderer = providers.Singleton(FpdfRenderer)
    """Lays out concept invoices and specifications as PDF (fpdf2)."""
    print_documents = providers.Singleton(PrintDocuments, uow=uow, renderer=document_renderer)
    """Concept invoices, specifications and invoice PDFs: for the routes and the worker."""

    invoice_pdf_attach = providers.Singleton(
        AttachInvoicePdfs,
        uow=uow,
        exact=exact_gateway,
        documents=print_documents,
        events=events,
        clock=clock,
        policy=providers.Callable(_retry_policy, settings),
    )
    outbox_worker = providers.Singleton(
        OutboxWorker,
        handler=providers.Singleton(
            OutboxHandlers,
            providers.Dict(
                {OutboxKind.PUSH: invoice_push, OutboxKind.ATTACH_PDF: invoice_pdf_attach}
            ),
        ),
        uow=uow,
        clock=clock,
        signal=outbox_signal,
        lease=providers.Callable(_worker_lease, settings),
    )
    """Pushes queued invoices to Exact and attaches their PDFs: in `hourbill serve` and
    `hourbill worker`."""

    create_api_key = providers.Singleton(access.CreateApiKey, uow=uow, clock=clock)

    hourbill = providers.Singleton(
        Hourbill,
        queries=providers.Singleton(Queries, uow=uow),
        order_events=events,
        create_customer=providers.Singleton(
            customers.CreateCustomer, uow=uow, idempotency=idempotency
        ),
        update_customer=providers.Singleton(customers.UpdateCustomer, uow=uow),
        delete_customer=providers.Singleton(customers.DeleteCustomer, uow=uow),
        create_employee=providers.Singleton(work.CreateEmployee, uow=uow),
        create_project=providers.Singleton(work.CreateProject, uow=uow),
        create_task=providers.Singleton(work.CreateTask, uow=uow),
        create_rate_rule=providers.Singleton(work.CreateRateRule, uow=uow),
        delete_rate_rule=providers.Singleton(work.DeleteRateRule, uow=uow),
        save_vat_code=providers.Singleton(work.SaveVatCode, uow=uow),
        update_invoicing_settings=providers.Singleton(work.UpdateInvoicingSettings, uow=uow),
        update_company_details=providers.Singleton(work.UpdateCompanyDetails, uow=uow),
        record_booking=providers.Singleton(sources.RecordBooking, uow=uow, idempotency=idempotency),
        update_booking=providers.Singleton(sources.UpdateBooking, uow=uow),
        delete_booking=providers.Singleton(sources.DeleteBooking, uow=uow),
        record_supply=providers.Singleton(sources.RecordSupply, uow=uow, idempotency=idempotency),
        update_supply=providers.Singleton(sources.UpdateSupply, uow=uow),
        delete_supply=providers.Singleton(sources.DeleteSupply, uow=uow),
        preview_order_generation=providers.Singleton(
            generation.PreviewOrderGeneration, uow=uow, clock=clock
        ),
        generate_orders=providers.Singleton(
            generation.GenerateOrders,
            uow=uow,
            clock=clock,
            events=events,
            idempotency=idempotency,
        ),
        create_order=providers.Singleton(
            orders.CreateOrder, uow=uow, events=events, clock=clock, idempotency=idempotency
        ),
        update_order=providers.Singleton(orders.UpdateOrder, uow=uow, events=events),
        add_order_line=providers.Singleton(orders.AddOrderLine, uow=uow, events=events),
        update_order_line=providers.Singleton(orders.UpdateOrderLine, uow=uow, events=events),
        delete_order_line=providers.Singleton(orders.DeleteOrderLine, uow=uow, events=events),
        delete_orders=providers.Singleton(orders.DeleteOrders, uow=uow, events=events),
        merge_orders=providers.Singleton(orders.MergeOrders, uow=uow, events=events),
        exact_connector=exact_connector,
        configure_exact_connection=providers.Singleton(
            ConfigureExactConnection, connector=exact_connector
        ),
        start_exact_connection=providers.Singleton(
            StartExactConnection, connector=exact_connector, states=exact_states, clock=clock
        ),
        complete_exact_connection=providers.Singleton(
            CompleteExactConnection,
            connector=exact_connector,
            states=exact_states,
            clock=clock,
            keys=providers.Singleton(access.ApiKeys, uow=uow),
            audit=providers.Singleton(access.AuditLog, uow=uow, clock=clock),
        ),
        disconnect_exact=providers.Singleton(DisconnectExact, connector=exact_connector),
        refresh_exact_accounts=providers.Singleton(
            customer_sync.RefreshExactAccounts, uow=uow, exact=exact_gateway, clock=clock
        ),
        customer_reconciliation=providers.Singleton(
            customer_sync.CustomerReconciliation, uow=uow, exact=exact_gateway, clock=clock
        ),
        link_customers=providers.Singleton(
            customer_sync.LinkCustomers, uow=uow, exact=exact_gateway, clock=clock
        ),
        update_customers_from_exact=providers.Singleton(
            customer_sync.UpdateCustomersFromExact, uow=uow, exact=exact_gateway, clock=clock
        ),
        update_exact_from_customers=providers.Singleton(
            customer_sync.UpdateExactFromCustomers, uow=uow, exact=exact_gateway, clock=clock
        ),
        import_exact_accounts=providers.Singleton(
            customer_sync.ImportExactAccounts, uow=uow, exact=exact_gateway, clock=clock
        ),
        sync_invoice_numbers=invoice_number_sync,
        process_invoice=providers.Singleton(
            ProcessInvoice, uow=uow, exact=exact_gateway, clock=clock, events=events
        ),
        handle_exact_webhook=exact_webhook_handler,
        create_invoices=providers.Singleton(
            CreateInvoices,
            uow=uow,
            exact=exact_gateway,
            accounts=account_linker,
            events=events,
            clock=clock,
            wakeup=outbox_signal.provided.notify,
            idempotency=idempotency,
        ),
        retry_invoices=providers.Singleton(
            RetryInvoices,
            uow=uow,
            events=events,
            clock=clock,
            wakeup=outbox_signal.provided.notify,
        ),
        queue_pdf_attachments=providers.Singleton(
            QueuePdfAttachments, uow=uow, clock=clock, wakeup=outbox_signal.provided.notify
        ),
        delete_invoice=providers.Singleton(DeleteInvoice, uow=uow, events=events, clock=clock),
        invoice_queries=providers.Singleton(InvoiceQueries, uow=uow),
        manage_exact_webhooks=providers.Singleton(
            ManageExactWebhooks,
            uow=uow,
            exact=exact_gateway,
            verifier=exact_webhook_verifier,
            callback_url=settings.provided.webhook_url,
        ),
        exact_pickers=providers.Singleton(
            administration.ExactPickers, gateway=exact_gateway, uow=uow
        ),
        save_exact_administration=providers.Singleton(
            administration.SaveExactAdministration, uow=uow, gateway=exact_gateway
        ),
        save_line_mapping=providers.Singleton(
            administration.SaveLineMapping, uow=uow, gateway=exact_gateway
        ),
        delete_line_mapping=providers.Singleton(administration.DeleteLineMapping, uow=uow),
        list_line_mappings=providers.Singleton(administration.ListLineMappings, uow=uow),
        print_documents=print_documents,
        authenticate=providers.Singleton(access.Authenticate, uow=uow, clock=clock),
        create_api_key=create_api_key,
        revoke_api_key=providers.Singleton(access.RevokeApiKey, uow=uow, clock=clock),
        api_keys=providers.Singleton(access.ApiKeys, uow=uow),
        ensure_development_key=providers.Singleton(
            access.EnsureDevelopmentKey, create=create_api_key, uow=uow
        ),
        audit_log=providers.Singleton(access.AuditLog, uow=uow, clock=clock),
    )


def build_container(settings: Settings | None = None) -> Container:
    container = Container()
    if settings is not None:
        container.settings.override(providers.Object(settings))
    return container
