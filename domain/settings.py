"""Administration-wide invoicing settings kept by Hourbill itself."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import ErrorCode, HourbillError


@dataclass(eq=False)
class InvoicingSettings:
    default_vat_code: str = "21"
    hours_item_code: str | None = None
    id: int = 1

    def __post_init__(self) -> None:
        if not self.default_vat_code.strip():
            raise HourbillError.single(
                ErrorCode.REQUIRED, "defaultVatCode is required", "defaultVatCode"
            )
