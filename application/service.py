"""Everything the application offers, in one object the driving adapters depend on."""

from __future__ import annotations

from dataclasses import dataclass

from application.access import (
    ApiKeys,
    AuditLog,
    Authenticate,
    CreateApiKey,
    EnsureDevelopmentKey,
    RevokeApiKey,
)
from application.administration import (
    DeleteLineMapping,
    ExactPickers,
    ListLineMappings,
    SaveExactAdministration,
    SaveLineMapping,
)
from application.customer_sync import (
    CustomerReconciliation,
    ImportExactAccounts,
    LinkCustomers,
    RefreshExactAccounts,
    UpdateCustomersFromExact,
    UpdateExactFromCustomers,
)
from application.documents import PrintDocuments
from application.exact_connection import (
    CompleteExactConnection,
    ConfigureExactConnection,
    DisconnectExact,
    ExactConnector,
    StartExactConnection,
)
from application.invoice_documents import QueuePdfAttachments
from application.invoice_sync import (
    HandleExactWebhook,
    ManageExactWebhooks,
    ProcessInvoice,
    SyncInvoiceNumbers,
)
from application.invoicing import CreateInvoices, DeleteInvoice, InvoiceQueries, RetryInvoices
from application.ports import EventSubscriptions
from application.queries import Queries
from application.use_cases.customers import CreateCustomer, DeleteCustomer, UpdateCustomer
from application.use_cases.generation import GenerateOrders, PreviewOrderGeneration
from application.use_cases.orders import (
    AddOrderLine,
    CreateOrder,
    DeleteOrderLine,
    DeleteOrders,
    MergeOrders,
    UpdateOrder,
    UpdateOrderLine,
)
from application.use_cases.sources import (
    DeleteBooking,
    DeleteSupply,
    RecordBooking,
    RecordSupply,
    UpdateBooking,
    UpdateSupply,
)
from application.use_cases.work import (
    CreateEmployee,
    CreateProject,
    CreateRateRule,
    CreateTask,
    DeleteRateRule,
    SaveVatCode,
    UpdateCompanyDetails,
    UpdateInvoicingSettings,
)


@dataclass(frozen=True)
class Hourbill:
    queries: Queries
    order_events: EventSubscriptions
    create_customer: CreateCustomer
    update_customer: UpdateCustomer
    delete_customer: DeleteCustomer
    create_employee: CreateEmployee
    create_project: CreateProject
    create_task: CreateTask
    create_rate_rule: CreateRateRule
    delete_rate_rule: DeleteRateRule
    save_vat_code: SaveVatCode
    update_invoicing_settings: UpdateInvoicingSettings
    update_company_details: UpdateCompanyDetails
    record_booking: RecordBooking
    update_booking: UpdateBooking
    delete_booking: DeleteBooking
    record_supply: RecordSupply
    update_supply: UpdateSupply
    delete_supply: DeleteSupply
    preview_order_generation: PreviewOrderGeneration
    generate_orders: GenerateOrders
    create_order: CreateOrder
    update_order: UpdateOrder
    add_order_line: AddOrderLine
    update_order_line: UpdateOrderLine
    delete_order_line: DeleteOrderLine
    delete_orders: DeleteOrders
    merge_orders: MergeOrders
    exact_connector: ExactConnector
    configure_exact_connection: ConfigureExactConnection
    start_exact_connection: StartExactConnection
    complete_exact_connection: CompleteExactConnection
    disconnect_exact: DisconnectExact
    refresh_exact_accounts: RefreshExactAccounts
    customer_reconciliation: CustomerReconciliation
    link_customers: LinkCustomers
    update_customers_from_exact: UpdateCustomersFromExact
    update_exact_from_customers: UpdateExactFromCustomers
    import_exact_accounts: ImportExactAccounts
    exact_pickers: ExactPickers
    save_exact_administration: SaveExactAdministration
    save_line_mapping: SaveLineMapping
    delete_line_mapping: DeleteLineMapping
    list_line_mappings: ListLineMappings
    sync_invoice_numbers: SyncInvoiceNumbers
    process_invoice: ProcessInvoice
    handle_exact_webhook: HandleExactWebhook
    manage_exact_webhooks: ManageExactWebhooks
    create_invoices: CreateInvoices
    retry_invoices: RetryInvoices
    queue_pdf_attachments: QueuePdfAttachments
    delete_invoice: DeleteInvoice
    invoice_queries: InvoiceQueries
    print_documents: PrintDocuments
    authenticate: Authenticate
    create_api_key: CreateApiKey
    revoke_api_key: RevokeApiKey
    api_keys: ApiKeys
    ensure_development_key: EnsureDevelopmentKey
    audit_log: AuditLog
