"""Who may open a support case for which product (service description 1.6).

Desktop products (Creo, Mathcad …): any user of an organisation whose maintenance
contract for the product has not ended. System products (Windchill, ThingWorx …):
only the organisation's named responsible persons for that product. The decision
is pure (:func:`decide`); :class:`bot.service.register.Register` asks the
register's store for the email's organisation.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from types import MappingProxyType

import yaml

from bot.core.register import (
    Contact,
    Entitlement,
    EntitlementReason,
    OrganisationRecord,
    ProductCatalog,
    ProductClass,
    ProductsFileError,
    name_key,
)

PRODUCTS_FILE = Path(__file__).with_name("products.yaml")
PRODUCTS_ENV_VAR = "SUPPORTBOT_PRODUCTS_FILE"


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
                if (owner := taken.setdefault(name_key(name), str(product))) != str(product):
                    problems.append(f"{kind}: {name!r} is already a name of {owner}")
                elif i:
                    aliases[name_key(name)] = str(product)
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
    if any(name_key(c.email) == name_key(email) for c in named):
        return answer(EntitlementReason.ENTITLED, ends)
    contacts = tuple(Contact(name=c.name, email=c.email) for c in named)
    return answer(EntitlementReason.NOT_NAMED_CONTACT, ends, contacts)



