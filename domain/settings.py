"""Administration-wide invoicing settings kept by Hourbill itself."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.customers import COUNTRY, EMAIL
from domain.errors import ErrorCode, HourbillError, Problems

IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$")
MAX_PAYMENT_TERM_DAYS = 365


@dataclass(frozen=True)
class CompanyDetails:
    """Who sends the invoice: printed at the top and bottom of every document."""

    name: str = ""
    address_line: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str = "NL"
    vat_number: str | None = None
    chamber_of_commerce: str | None = None
    iban: str | None = None
    email: str | None = None
    phone: str | None = None

    def normalized(self) -> CompanyDetails:
        """Text stripped, blank optional fields None, the IBAN without spaces."""

        def clean(value: str | None) -> str | None:
            return (value or "").strip() or None

        iban = clean(self.iban)
        return CompanyDetails(
            name=self.name.strip(),
            address_line=clean(self.address_line),
            postcode=clean(self.postcode),
            city=clean(self.city),
            country=self.country.strip(),
            vat_number=clean(self.vat_number),
            chamber_of_commerce=clean(self.chamber_of_commerce),
            iban=None if iban is None else iban.replace(" ", ""),
            email=clean(self.email),
            phone=clean(self.phone),
        )


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
    """Attach the invoice PDF (with its specification) to the Exact sales invoice."""
    payment_term_days: int = 30
    """Days after the invoice date the invoice is due; printed on the documents."""
    company_name: str = ""
    company_address_line: str | None = None
    company_postcode: str | None = None
    company_city: str | None = None
    company_country: str = "NL"
    company_vat_number: str | None = None
    company_chamber_of_commerce: str | None = None
    company_iban: str | None = None
    company_email: str | None = None
    company_phone: str | None = None
    id: int = 1

    def __post_init__(self) -> None:
        if not self.default_vat_code.strip():
            raise HourbillError.single(
                ErrorCode.REQUIRED, "defaultVatCode is required", "defaultVatCode"
            )

    @property
    def company(self) -> CompanyDetails:
        return CompanyDetails(
            name=self.company_name,
            address_line=self.company_address_line,
            postcode=self.company_postcode,
            city=self.company_city,
            country=self.company_country,
            vat_number=self.company_vat_number,
            chamber_of_commerce=self.company_chamber_of_commerce,
            iban=self.company_iban,
            email=self.company_email,
            phone=self.company_phone,
        )

    def set_company(self, company: CompanyDetails, payment_term_days: int) -> None:
        """Replace the sender's details and payment terms; all problems at once, or nothing."""
        company = company.normalized()
        problems = Problems()
        if not company.name:
            problems.add(ErrorCode.REQUIRED, "the company name is required", "name")
        if not COUNTRY.match(company.country):
            problems.add(ErrorCode.INVALID, "country must be a two-letter ISO code", "country")
        if company.email is not None and not EMAIL.match(company.email):
            problems.add(ErrorCode.INVALID, f"{company.email!r} is not an e-mail address", "email")
        if company.iban is not None and not IBAN.match(company.iban):
            problems.add(ErrorCode.INVALID, "IBAN must look like NL91ABNA0417164300", "iban")
        if not 0 <= payment_term_days <= MAX_PAYMENT_TERM_DAYS:
            problems.add(
                ErrorCode.OUT_OF_RANGE,
                f"paymentTermDays must lie between 0 and {MAX_PAYMENT_TERM_DAYS}",
                "paymentTermDays",
            )
        problems.raise_if_any()
        self.company_name = company.name
        self.company_address_line = company.address_line
        self.company_postcode = company.postcode
        self.company_city = company.city
        self.company_country = company.country
        self.company_vat_number = company.vat_number
        self.company_chamber_of_commerce = company.chamber_of_commerce
        self.company_iban = company.iban
        self.company_email = company.email
        self.company_phone = company.phone
        self.payment_term_days = payment_term_days
