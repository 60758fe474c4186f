"""Who may open a support case for which product (service description 1.6).

Desktop products (Creo, Mathcad …): any user of an organisation whose maintenance
contract for the product has not ended. System products (Windchill, ThingWorx …):
only the organisation's named responsible persons for that product. The decision
is pure; the register that finds an email's organisation is a port
(:class:`CustomerRegister`, implemented in ``storage/register.py``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

import yaml

PRODUCTS_FILE = Path(__file__).with_name("products.yaml")
PRODUCTS_ENV_VAR = "SUPPORTBOT_PRODUCTS_FILE"


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


def _key(name: str) -> str:
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
        key = _key(name)
        for product in self.all():
            if _key(product) == key:
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


def load_products(path: Path | None = None) -> ProductCatalog:
    """Read the product catalogue: ``path``, else the file SUPPORTBOT_PRODUCTS_FILE names,
    else ``bot/products.yaml``. Raises ProductsFileError listing every problem."""
    if path is None:
        path = Path(os.environ.get(PRODUCTS_ENV_VAR, "").strip() or PRODUCTS_FILE)
    return parse_products(path.read_text(encoding="utf-8"), source=str(path))


def parse_products(text: str, *, source: str = "<products>") -> ProductCatalog:
    """Parse the products YAML (``desktop:`` and ``system:``, each product → its aliases)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ProductsFileError(f"{source}: not valid YAML: {error}") from error
    problems: list[str] = []
    if not isinstance(data, dict) or set(data) - {"desktop", "system"}:
        raise ProductsFileError(f"{source}: must be a mapping with the keys desktop and system")
    classes: dict[str, list[str]] = {"desktop": [], "system": []}
    aliases: dict[str, str] = {}
    taken: dict[str, str] = {}  # every normalised name → the product that owns it
    for kind, products in classes.items():
        entries = data.get(kind) or {}
        if not isinstance(entries, dict):
            problems.append(f"{kind} must map each product to a list of its other names")
            continue
        for product, others in entries.items():
            if not isinstance(others, list | None):
                problems.append(f"{kind}: {product}: the other names must be a list")
                continue
            names = [str(product), *(str(o) for o in others or [])]
            for i, name in enumerate(names):
                if (owner := taken.setdefault(_key(name), str(product))) != str(product):
                    problems.append(f"{kind}: {name!r} is already a name of {owner}")
                elif i:
                    aliases[_key(name)] = str(product)
            products.append(str(product))
    if not classes["desktop"] and not classes["system"]:
        problems.append("no products")
    if problems:
        raise ProductsFileError("\n".join(f"{source}: {p}" for p in problems))
    return ProductCatalog(
        desktop=tuple(classes["desktop"]),
        system=tuple(classes["system"]),
        aliases=MappingProxyType(aliases),
    )


def decide(
    *,
    organisation: OrganisationRecord | None,
    organisation_id: int | None = None,
    email: str,
    product: str,
    product_class: ProductClass,
    today: date,
) -> Entitlement:
    """Whether ``email`` of ``organisation`` (None: no organisation has the email's domain)
    may open a case for the canonical ``product`` on ``today``, and why.

    The contract is checked before the named contacts: when maintenance has ended
    nobody can open a case, so naming the administrators would not help.
    """

    def answer(
        reason: EntitlementReason,
        ends: date | None = None,
        contacts: tuple[Contact, ...] = (),
    ) -> Entitlement:
        return Entitlement(
            entitled=reason is EntitlementReason.ENTITLED,
            reason=reason,
            product=product,
            product_class=product_class,
            organisation=None if organisation is None else organisation.name,
            organisation_id=None if organisation is None else organisation_id,
            contract_ends=ends,
            named_contacts=contacts,
        )

    if organisation is None:
        return answer(EntitlementReason.UNKNOWN_ORGANISATION)
    terms = [c for c in organisation.contracts if c.product == product]
    if not terms:
        return answer(EntitlementReason.NO_CONTRACT)
    ends = max(term.ends for term in terms)
    if today > ends:
        return answer(EntitlementReason.CONTRACT_EXPIRED, ends)
    if product_class is ProductClass.DESKTOP:
        return answer(EntitlementReason.ENTITLED, ends)
    named = [c for c in organisation.named_contacts if c.product == product]
    if any(_key(c.email) == _key(email) for c in named):
        return answer(EntitlementReason.ENTITLED, ends)
    contacts = tuple(Contact(name=c.name, email=c.email) for c in named)
    return answer(EntitlementReason.NOT_NAMED_CONTACT, ends, contacts)


class CustomerRegister(Protocol):
    """The customer register as the hand-over sees it."""

    async def check(self, email: str, product: str, today: date) -> Entitlement:
        """The entitlement of ``email`` for ``product`` (any of its names) on ``today``;
        raises UnknownProductError for a product the catalogue does not know."""
        ...
