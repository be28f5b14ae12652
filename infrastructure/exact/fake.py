"""`FakeExactGateway`: the `ExactGateway` port in memory, for fast use-case tests.

It drives the sandbox's own `Administration` model directly, so numbering
(order numbers; invoice numbers from the journal's sequence on processing),
mandatory fields, defaults, per-line VAT rounding and reference checks are the
very code the HTTP sandbox runs. What is left here is a thin translation layer
that does what the adapter and the sandbox's HTTP layer do between them:

- requests are built with the adapter's own body builders (`payloads`) and go
  through the wire's JSON round trip (`codec.dumps`/`codec.loads`: Decimal as a
  number, back as Decimal), exactly as a POST or PUT body would;
- rows come back through the sandbox's wire conversion (UUID to text, datetime
  to ``/Date(ms)/``), the same JSON round trip, and the adapter's parsers, with
  the adapter's `$select` fields: the fake returns what the adapter would;
- collections are filtered like the adapter's `$filter`s, ordered by the entity
  key as the sandbox orders them, batched like the adapter batches lookups;
- `SandboxError`s become the response the sandbox would send and then the port
  error `http.error_for` makes of it (400 validation, 403 auth with its Reason,
  404 not found or None, 500 with a message validation).

Test extras: `calls` (port operations in call order), `attach_calls` (the
HTTP calls of `attach_document`), `fail_next` (the next call of an operation,
or of one of those HTTP calls, fails before or after its write was applied),
`process_invoice` (a user printing the invoice in Exact's web UI) and
`administration` (the model, for inspection and seeding).

The contract suite `tests/exact/contract/` runs the same scenarios against this
fake and against the adapter talking HTTP to the sandbox.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from application.exact import (
    AccountChanges,
    AccountDraft,
    AccountFields,
    ExactAccount,
    ExactDivision,
    ExactError,
    ExactGlAccount,
    ExactItem,
    ExactJournal,
    ExactNotFoundError,
    ExactPaymentCondition,
    ExactSalesInvoice,
    ExactUser,
    ExactVatCode,
    ProcessedInvoice,
    SalesInvoiceDraft,
    WebhookSubscription,
)
from infrastructure.exact import codec
from infrastructure.exact import payloads as p
from infrastructure.exact.gateway import BATCH_SIZE, SYNC_PAGE_SIZE
from infrastructure.exact.http import error_for
from infrastructure.exact.sandbox import schema
from infrastructure.exact.sandbox.administration import Administration, Caller, SandboxError
from infrastructure.exact.sandbox.clock import SandboxClock
from infrastructure.exact.sandbox.sandbox import DEMO_CLIENT_ID
from infrastructure.exact.sandbox.schema import EntitySet
from infrastructure.exact.sandbox.seed import demo_administration, seed

T = TypeVar("T")
Row = dict[str, Any]
Predicate = Callable[[Mapping[str, Any]], bool]

OPERATIONS = frozenset(
    {
        "current_user",
        "divisions",
        "journals",
        "items",
        "vat_codes",
        "gl_accounts",
        "payment_conditions",
        "account",
        "find_accounts",
        "accounts_changed_since",
        "create_account",
        "update_account",
        "create_sales_invoice",
        "sales_invoices_by_reference",
        "sales_invoices",
        "sales_invoice",
        "process_sales_invoice",
        "attach_document",
        "webhook_subscriptions",
        "subscribe",
        "unsubscribe",
    }
)
"""The port's operations: what `calls` records and `fail_next` accepts."""

ATTACH_CALLS = frozenset(
    {
        "find_documents",
        "create_document",
        "find_attachments",
        "create_attachment",
        "link_document",
    }
)
"""The HTTP calls `attach_document` makes (GET, POST, GET, POST, PUT): what
`attach_calls` records; `fail_next` accepts them too, to fail one of them alone."""


@dataclass(frozen=True, slots=True)
class _Failure:
    error: ExactError
    after_commit: bool


class FakeExactGateway:
    """The `ExactGateway` port over an in-memory `Administration` (the demo one by default)."""

    def __init__(
        self,
        administration: Administration | None = None,
        *,
        client_id: uuid.UUID = DEMO_CLIENT_ID,
    ) -> None:
        if administration is None:
            administration = Administration(SandboxClock())
            seed(administration, demo_administration())
        self.administration = administration
        self.client_id = client_id
        self.calls: list[str] = []
        """The port operations invoked, in order (`process_invoice` is not one)."""
        self.attach_calls: list[str] = []
        """The calls `attach_document` made, as the adapter makes them, in order."""
        self._failures: dict[str, deque[_Failure]] = {}

    @classmethod
    def seeded(
        cls,
        description: Mapping[str, Any],
        *,
        clock: SandboxClock | None = None,
        language: str = "en",
    ) -> FakeExactGateway:
        """A fake over an administration seeded from a description (see `sandbox.seed`)."""
        administration = Administration(clock or SandboxClock(), language=language)
        seed(administration, description)
        return cls(administration)

    # --- test controls ----------------------------------------------------------

    def fail_next(self, operation: str, error: ExactError, *, after_commit: bool = False) -> None:
        """The next call of `operation` raises `error`.

        Before doing anything by default; with `after_commit`, after the call
        was applied (the write happened, its response was lost). Several
        failures for one operation are used up one call each, in order.
        `operation` may also be one of `ATTACH_CALLS`: one call inside
        `attach_document` fails, the ones before it took effect.
        """
        if operation not in OPERATIONS | ATTACH_CALLS:
            raise ValueError(f"not an ExactGateway operation: {operation!r}")
        self._failures.setdefault(operation, deque()).append(_Failure(error, after_commit))

    def count(self, operation: str) -> int:
        """How often `operation` was called."""
        return self.calls.count(operation)

    def process_invoice(self, division: int, invoice_id: uuid.UUID) -> ProcessedInvoice:
        """What a user printing the invoice in Exact's web UI does (not a port call)."""
        return self._apply(lambda: self._print(division, invoice_id))

    async def aclose(self) -> None:
        """Nothing to close; here so the fake can stand in wherever the adapter is closed."""

    # --- administration -----------------------------------------------------------

    async def current_user(self) -> ExactUser:
        return await self._call("current_user", self._current_user)

    async def divisions(self) -> list[ExactDivision]:
        def divisions() -> list[ExactDivision]:
            current = self._current_user().current_division
            return self._list(current, schema.DIVISIONS, p.DIVISION_FIELDS, p.division)

        return await self._call("divisions", divisions)

    async def journals(self, division: int) -> list[ExactJournal]:
        return await self._call(
            "journals", lambda: self._list(division, schema.JOURNALS, p.JOURNAL_FIELDS, p.journal)
        )

    async def items(self, division: int) -> list[ExactItem]:
        return await self._call(
            "items", lambda: self._list(division, schema.ITEMS, p.ITEM_FIELDS, p.item)
        )

    async def vat_codes(self, division: int) -> list[ExactVatCode]:
        return await self._call(
            "vat_codes",
            lambda: self._list(division, schema.VAT_CODES, p.VAT_CODE_FIELDS, p.vat_code),
        )

    async def gl_accounts(self, division: int) -> list[ExactGlAccount]:
        return await self._call(
            "gl_accounts",
            lambda: self._list(division, schema.GL_ACCOUNTS, p.GL_ACCOUNT_FIELDS, p.gl_account),
        )

    async def payment_conditions(self, division: int) -> list[ExactPaymentCondition]:
        return await self._call(
            "payment_conditions",
            lambda: self._list(
                division,
                schema.PAYMENT_CONDITIONS,
                p.PAYMENT_CONDITION_FIELDS,
                p.payment_condition,
            ),
        )

    # --- accounts -----------------------------------------------------------------

    async def account(self, division: int, account_id: uuid.UUID) -> ExactAccount | None:
        def account() -> ExactAccount | None:
            row = self._get(division, schema.ACCOUNTS, account_id)
            return None if row is None else p.account(_wire(row, p.ACCOUNT_FIELDS))

        return await self._call("account", account)

    async def find_accounts(
        self,
        division: int,
        *,
        code: str | None = None,
        vat_number: str | None = None,
        name: str | None = None,
    ) -> list[ExactAccount]:
        # The adapter's $filter: trim(Code) eq …, VATNumber eq …, Name eq …, joined by `and`.
        conditions: list[Predicate] = []
        if code is not None:
            wanted_code = code.strip()
            conditions.append(lambda row: _trim(row.get("Code")) == wanted_code)
        if vat_number is not None:
            conditions.append(lambda row: row.get("VATNumber") == vat_number)
        if name is not None:
            conditions.append(lambda row: row.get("Name") == name)
        if not conditions:
            raise ValueError("find_accounts needs a code, a VAT number or a name")

        def find() -> list[ExactAccount]:
            return self._list(
                division,
                schema.ACCOUNTS,
                p.ACCOUNT_FIELDS,
                p.account,
                where=lambda row: all(condition(row) for condition in conditions),
            )

        return await self._call("find_accounts", find)

    async def accounts_changed_since(self, division: int, timestamp: int) -> AccountChanges:
        after = int(timestamp)

        def changes() -> AccountChanges:
            newer = [
                row
                for row in self._rows(division, schema.SYNC_ACCOUNTS)
                if row.get("Timestamp") is not None and row["Timestamp"] > after
            ]
            ordered = _by_key(newer, schema.SYNC_ACCOUNTS.key)
            page = ordered[:SYNC_PAGE_SIZE]
            rows = [_wire(row, (*p.ACCOUNT_FIELDS, "Timestamp")) for row in page]
            return AccountChanges(
                accounts=[p.account(row) for row in rows],
                next_timestamp=max((p.timestamp(row) for row in rows), default=after),
                complete=len(ordered) <= len(page) and len(page) < SYNC_PAGE_SIZE,
            )

        return await self._call("accounts_changed_since", changes)

    async def create_account(self, division: int, draft: AccountDraft) -> ExactAccount:
        def create() -> ExactAccount:
            row = self._create(division, schema.ACCOUNTS, p.new_account_body(draft))
            return p.account(_wire(row, _entity_fields(schema.ACCOUNTS)))

        return await self._call("create_account", create)

    async def update_account(
        self, division: int, account_id: uuid.UUID, fields: AccountFields
    ) -> None:
        await self._call(
            "update_account",
            lambda: self._update(
                division, schema.ACCOUNTS, account_id, p.account_fields_body(fields)
            ),
        )

    # --- sales invoices -------------------------------------------------------------

    async def create_sales_invoice(
        self, division: int, draft: SalesInvoiceDraft
    ) -> ExactSalesInvoice:
        def create() -> ExactSalesInvoice:
            body = p.sales_invoice_body(draft)
            row = self._create(division, schema.INVOICES, body)
            return p.sales_invoice(_wire(row, _entity_fields(schema.INVOICES)))

        return await self._call("create_sales_invoice", create)

    async def sales_invoices_by_reference(
        self, division: int, your_refs: Sequence[str]
    ) -> dict[str, ExactSalesInvoice]:
        """When several invoices carry one reference, the first Exact lists wins."""

        def lookup() -> dict[str, ExactSalesInvoice]:
            invoices = self._batched(division, your_refs, "YourRef")
            found: dict[str, ExactSalesInvoice] = {}
            for invoice in invoices:
                if invoice.your_ref is not None:
                    found.setdefault(invoice.your_ref, invoice)
            return {ref: found[ref] for ref in dict.fromkeys(your_refs) if ref in found}

        return await self._call("sales_invoices_by_reference", lookup)

    async def sales_invoices(
        self, division: int, invoice_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, ExactSalesInvoice]:
        def lookup() -> dict[uuid.UUID, ExactSalesInvoice]:
            invoices = self._batched(division, invoice_ids, "InvoiceID")
            return {invoice.invoice_id: invoice for invoice in invoices}

        return await self._call("sales_invoices", lookup)

    async def sales_invoice(self, division: int, invoice_id: uuid.UUID) -> ExactSalesInvoice | None:
        def read() -> ExactSalesInvoice | None:
            row = self._get(division, schema.INVOICES, invoice_id)
            if row is None:
                return None
            header = _wire(row, p.SALES_INVOICE_FIELDS)
            lines = self.administration.lines_of(division, invoice_id)
            header[p.SALES_INVOICE_LINES] = {
                "results": [_wire(line, schema.INVOICE_LINE_FIELDS) for line in lines]
            }
            return p.sales_invoice(header)

        return await self._call("sales_invoice", read)

    async def process_sales_invoice(self, division: int, invoice_id: uuid.UUID) -> ProcessedInvoice:
        return await self._call("process_sales_invoice", lambda: self._print(division, invoice_id))

    async def attach_document(
        self,
        division: int,
        invoice_id: uuid.UUID,
        *,
        subject: str,
        file_name: str,
        content: bytes,
        look_first: bool = False,
    ) -> uuid.UUID:
        """The adapter's calls: [find the document], create it, [find its files], add the
        file, link; each one may be failed alone (`ATTACH_CALLS`)."""

        def attach() -> uuid.UUID:
            document_id = None
            if look_first:
                document_id = self._step(
                    "find_documents", lambda: self._find_document(division, invoice_id, subject)
                )
            has_file = False
            if document_id is None:
                document_id = self._step(
                    "create_document", lambda: self._create_document(division, invoice_id, subject)
                )
            else:
                found = document_id
                has_file = file_name in self._step(
                    "find_attachments", lambda: self._file_names(division, found)
                )
            if not has_file:
                body = p.attachment_body(document_id, file_name, content)
                self._step(
                    "create_attachment",
                    lambda: self._create(division, schema.DOCUMENT_ATTACHMENTS, body),
                )
            link = {"Document": str(document_id)}
            self._step(
                "link_document", lambda: self._update(division, schema.INVOICES, invoice_id, link)
            )
            return document_id

        return await self._call("attach_document", attach)

    def _find_document(
        self, division: int, invoice_id: uuid.UUID, subject: str
    ) -> uuid.UUID | None:
        # The adapter's $filter: FinancialTransactionEntryID eq guid'…' and Subject eq '…'.
        found = self._list(
            division,
            schema.DOCUMENTS,
            p.DOCUMENT_FIELDS,
            lambda row: p.document_id(row, "ID"),
            where=lambda row: (
                row.get("FinancialTransactionEntryID") == invoice_id
                and row.get("Subject") == subject
            ),
        )
        return next((key for key in found if key is not None), None)

    def _create_document(self, division: int, invoice_id: uuid.UUID, subject: str) -> uuid.UUID:
        document = self._create(division, schema.DOCUMENTS, p.document_body(invoice_id, subject))
        document_id = p.document_id(_wire(document, _entity_fields(schema.DOCUMENTS)), "ID")
        assert document_id is not None
        return document_id

    def _file_names(self, division: int, document_id: uuid.UUID) -> set[str]:
        # The adapter's $filter: Document eq guid'…'.
        names = self._list(
            division,
            schema.DOCUMENT_ATTACHMENTS,
            p.ATTACHMENT_FIELDS,
            p.attachment_file_name,
            where=lambda row: row.get("Document") == document_id,
        )
        return set(names)

    # --- webhooks -------------------------------------------------------------------

    async def webhook_subscriptions(self, division: int) -> list[WebhookSubscription]:
        return await self._call(
            "webhook_subscriptions",
            lambda: self._list(division, schema.WEBHOOK_SUBSCRIPTIONS, p.WEBHOOK_FIELDS, p.webhook),
        )

    async def subscribe(self, division: int, topic: str, callback_url: str) -> WebhookSubscription:
        """Stored as Exact stores it; nothing is delivered (there is no HTTP here)."""

        def subscribe() -> WebhookSubscription:
            body = {"CallbackURL": callback_url, "Topic": topic}
            row = self._create(division, schema.WEBHOOK_SUBSCRIPTIONS, body)
            return p.webhook(_wire(row, _entity_fields(schema.WEBHOOK_SUBSCRIPTIONS)))

        return await self._call("subscribe", subscribe)

    async def unsubscribe(self, division: int, subscription_id: uuid.UUID) -> None:
        """Idempotent: a subscription that is already gone is fine."""

        def unsubscribe() -> None:
            try:
                self._apply(
                    lambda: self.administration.delete(
                        _division(division), schema.WEBHOOK_SUBSCRIPTIONS, subscription_id
                    )
                )
            except ExactNotFoundError:
                return

        await self._call("unsubscribe", unsubscribe)

    # --- the call path ----------------------------------------------------------------

    async def _call(self, operation: str, action: Callable[[], T]) -> T:
        self.calls.append(operation)
        await asyncio.sleep(0)  # a real call always yields to the event loop
        queue = self._failures.get(operation)
        failure = queue.popleft() if queue else None
        if failure is not None and not failure.after_commit:
            raise failure.error
        result = self._apply(action)
        if failure is not None:
            raise failure.error
        return result

    def _step(self, call: str, action: Callable[[], T]) -> T:
        """One HTTP call inside an operation, with its own faults."""
        self.attach_calls.append(call)
        queue = self._failures.get(call)
        failure = queue.popleft() if queue else None
        if failure is not None and not failure.after_commit:
            raise failure.error
        result = action()
        if failure is not None:
            raise failure.error
        return result

    @staticmethod
    def _apply(action: Callable[[], T]) -> T:
        try:
            return action()
        except SandboxError as error:
            raise port_error(error) from None

    # --- reads and writes on the model --------------------------------------------------

    def _current_user(self) -> ExactUser:
        # current/Me is answered in the current division: none, or one without access, is 403.
        me = self.administration.me()
        if me["CurrentDivision"] is None:
            raise SandboxError(403, "Forbidden", {"Reason": "NoDivisionAccess"})
        self.administration.division(me["CurrentDivision"])
        return p.user(_wire(me, me))

    def _rows(self, division: int, entity_set: EntitySet) -> list[Mapping[str, Any]]:
        code = _division(division)
        self.administration.division(code)
        return list(self.administration.rows(code, entity_set))

    def _list(
        self,
        division: int,
        entity_set: EntitySet,
        fields: tuple[str, ...],
        convert: Callable[[Row], T],
        *,
        where: Predicate | None = None,
    ) -> list[T]:
        rows = self._rows(division, entity_set)
        matching = rows if where is None else [row for row in rows if where(row)]
        return [convert(_wire(row, fields)) for row in _by_key(matching, entity_set.key)]

    def _batched(
        self, division: int, keys: Sequence[Any], field_name: str
    ) -> list[ExactSalesInvoice]:
        """Invoice headers whose `field_name` is one of `keys`, `BATCH_SIZE` keys per read."""
        unique = list(dict.fromkeys(keys))
        invoices: list[ExactSalesInvoice] = []
        for start in range(0, len(unique), BATCH_SIZE):
            batch = set(unique[start : start + BATCH_SIZE])
            invoices += self._list(
                division,
                schema.INVOICES,
                p.SALES_INVOICE_FIELDS,
                p.sales_invoice,
                where=_field_in(field_name, batch),
            )
        return invoices

    def _get(self, division: int, entity_set: EntitySet, key: Any) -> Row | None:
        try:
            return self.administration.get(_division(division), entity_set, key)
        except SandboxError as error:
            if error.status == 404:
                return None
            raise

    def _create(self, division: int, entity_set: EntitySet, body: Mapping[str, Any]) -> Row:
        caller = Caller(self.client_id, self.administration.user_id)
        return self.administration.create(
            _division(division), entity_set, _over_the_wire(body), caller
        )

    def _update(
        self, division: int, entity_set: EntitySet, key: Any, body: Mapping[str, Any]
    ) -> None:
        self.administration.update(_division(division), entity_set, key, _over_the_wire(body))

    def _print(self, division: int, invoice_id: uuid.UUID) -> ProcessedInvoice:
        body = {"InvoiceID": str(invoice_id)}
        printed = self._create(division, schema.PRINTED_INVOICES, body)
        header = self._get(division, schema.INVOICES, invoice_id)
        return ProcessedInvoice(
            invoice_id=invoice_id,
            document_id=p.document_id(_wire(printed, _entity_fields(schema.PRINTED_INVOICES))),
            invoice_number=None
            if header is None
            else p.sales_invoice(_wire(header, p.SALES_INVOICE_FIELDS)).invoice_number,
        )


# --- the wire, without the wire -------------------------------------------------------


def port_error(error: SandboxError) -> ExactError:
    """The port error the adapter raises for the response the sandbox sends for `error`."""
    if error.status in (401, 429):
        content = b""  # Exact sends these without a body
    else:
        envelope = {"error": {"code": "", "message": {"lang": "", "value": error.message}}}
        content = codec.dumps(envelope).encode("utf-8")
    headers = {"Content-Type": "application/json", **error.headers}
    return error_for(httpx.Response(error.status, content=content, headers=headers))


def _division(division: int) -> int:
    """The adapter's check before it builds a URL."""
    if isinstance(division, bool) or not isinstance(division, int) or division <= 0:
        raise ValueError(f"not an Exact division: {division!r}")
    return division


def _over_the_wire(body: Mapping[str, Any]) -> Any:
    """A request body as the sandbox reads it: JSON out and back (Decimal survives)."""
    return codec.loads(codec.dumps(body))


def _wire(row: Mapping[str, Any], fields: Iterable[str]) -> Row:
    """`fields` of a model row as the adapter reads them from the sandbox's JSON."""
    values = {name: codec.to_wire(row.get(name)) for name in fields if not name.startswith("_")}
    result: Row = codec.loads(codec.dumps(values))
    return result


def _entity_fields(entity_set: EntitySet) -> list[str]:
    """What a POST answers: every field, navigation properties left deferred."""
    return [name for name in entity_set.fields if name not in entity_set.navigation]


def _by_key(rows: Iterable[Mapping[str, Any]], key: str) -> list[Mapping[str, Any]]:
    """The sandbox's order without `$orderby`: by the key, nulls first."""
    return sorted(rows, key=lambda row: (row.get(key) is not None, row.get(key)))


def _field_in(name: str, values: set[Any]) -> Predicate:
    """The adapter's ``name eq … or name eq …`` over one batch."""
    return lambda row: row.get(name) in values


def _trim(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


__all__ = ["ATTACH_CALLS", "OPERATIONS", "FakeExactGateway", "port_error"]
