"""Administration-wide invoicing settings kept by Hourbill itself."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import ErrorCode, HourbillError


@dataclass(eq=False)
class InvoicingSettings:
    default_vat_code: str = "21"
    hours_item_code: str | None = None
    exact_division: int | None = None
    """The Exact administration (division) invoices go to."""
    exact_journal: str | None = None
    """Code of the Exact sales journal."""
    exact_default_item: str | None = None
    """Code of the Exact item used for lines no mapping covers."""
    exact_default_vat_code: str | None = None
    """Exact VAT code used for lines no mapping covers."""
    attach_pdf: bool = False
    """Attach the invoice PDF to the Exact sales invoice when it is created."""
    id: int = 1

    def __post_init__(self) -> None:
        if not self.default_vat_code.strip():
            raise HourbillError.single(
                ErrorCode.REQUIRED, "defaultVatCode is required", "defaultVatCode"
            )
