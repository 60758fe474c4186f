"""The customer register's records: products and their classes, organisations with their
contracts and named contacts, and an entitlement decision (service description 1.6)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class ProductClass(StrEnum):
    DESKTOP = "desktop"
    SYSTEM = "system"


class EntitlementReason(StrEnum):
    ENTITLED = "entitled"
    NO_CONTRACT = "no_contract"
    CONTRACT_EXPIRED = "contract_expired"
    NOT_NAMED_CONTACT = "not_named_contact"
    UNKNOWN_ORGANISATION = "unknown_organisation"


@dataclass(frozen=True, slots=True)
class Contact:
    name: str | None
    email: str


@dataclass(frozen=True, slots=True)
class Entitlement:
    """The answer to "may this person open a case for this product", and why."""

    entitled: bool
    reason: EntitlementReason
    product: str
    product_class: ProductClass
    organisation: str | None
    organisation_id: int | None
    contract_ends: date | None
    # Filled only for NOT_NAMED_CONTACT: who in the organisation can open the case.
    named_contacts: tuple[Contact, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict with exactly the keys ``supportbot customers check --json`` shows."""
        return {
            "entitled": self.entitled,
            "reason": self.reason.value,
            "product": self.product,
            "product_class": self.product_class.value,
            "organisation": self.organisation,
            "contract_ends": None if self.contract_ends is None else self.contract_ends.isoformat(),
            "named_contacts": [{"name": c.name, "email": c.email} for c in self.named_contacts],
        }


@dataclass(frozen=True, slots=True)
class ContractTerm:
    """Maintenance of one product; ``ends`` is the last day it covers."""

    product: str
    ends: date

    def covers(self, day: date) -> bool:
        return day <= self.ends


@dataclass(frozen=True, slots=True)
class NamedContact:
    """A named responsible person for one system product of an organisation."""

    product: str
    email: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class OrganisationRecord:
    """One customer organisation as the register file and the database hold it."""

    name: str
    domains: tuple[str, ...]
    contracts: tuple[ContractTerm, ...] = ()
    named_contacts: tuple[NamedContact, ...] = ()


class UnknownProductError(ValueError):
    """A product name the catalogue does not know, under any of its names."""


class ProductsFileError(ValueError):
    """A products file that cannot be used; the message lists every problem."""


def name_key(name: str) -> str:
    """A product or email name folded for comparison (any case, single spaces)."""
    return " ".join(name.casefold().split())


@dataclass(frozen=True, slots=True)
class ProductCatalog:
    """The products the service covers, their class, and the other names they go by."""

    desktop: tuple[str, ...]
    system: tuple[str, ...]
    # Normalised (case-folded, single-spaced) alias → canonical product name.
    aliases: Mapping[str, str] = field(default_factory=dict, hash=False)

    def all(self) -> tuple[str, ...]:
        """Every canonical product name, desktop products first."""
        return self.desktop + self.system

    def canonical(self, name: str) -> str | None:
        """The canonical name for ``name`` or one of its aliases, any case; None if unknown."""
        key = name_key(name)
        for product in self.all():
            if name_key(product) == key:
                return product
        return self.aliases.get(key)

    def product_class(self, product: str) -> ProductClass:
        """The class of a product given by any of its names; raises UnknownProductError."""
        canonical = self.canonical(product)
        if canonical is None:
            raise UnknownProductError(
                f"unknown product {product!r}; known products: {', '.join(self.all())}"
            )
        return ProductClass.SYSTEM if canonical in self.system else ProductClass.DESKTOP


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What one import changed: organisations created and replaced, and the facts written."""

    created: tuple[str, ...]
    replaced: tuple[str, ...]
    domains: int
    contracts: int
    named_contacts: int


@dataclass(frozen=True, slots=True)
class OrganisationSummary:
    """One organisation as ``supportbot customers list`` shows it."""

    id: int
    name: str
    domains: tuple[str, ...]
    contracts: tuple[ContractTerm, ...]
    named_contacts: int


class RegisterConflictError(ValueError):
    """An import that would take a domain from an organisation the file does not list."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(problems))


def email_domain(email: str) -> str:
    """The lower-case domain of an email address ("" when it has none)."""
    local, at, domain = email.strip().rpartition("@")
    return domain.casefold().rstrip(".") if at and local else ""
