"""Validation of a register file's facts: one validator checks them all, by line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.core.register import (
    ContractTerm,
    NamedContact,
    OrganisationRecord,
    ProductCatalog,
    ProductClass,
)

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
_LOCAL_PART = re.compile(r"[^@\s]+")


@dataclass(frozen=True, slots=True)
class RegisterProblem:
    line: int | None
    message: str

    def shown(self, source: str) -> str:
        return f"{source}:{self.line}: {self.message}" if self.line else f"{source}: {self.message}"


@dataclass(frozen=True, slots=True)
class Fact:
    """One domain, contract or named contact of a register file, with its line."""

    line: int
    organisation: str
    kind: str
    product: str = ""
    value: str = ""  # the domain, or the contact's email
    ends: str = ""
    name: str = ""



class Validator:
    """Checks facts one by one, remembering what each key was first seen on."""

    def __init__(self, catalog: ProductCatalog, problems: list[RegisterProblem]) -> None:
        self.catalog = catalog
        self.problems = problems
        self.seen: dict[tuple[str, ...], Fact] = {}  # a key → the fact that listed it first

    def fail(self, fact: Fact, message: str) -> None:
        self.problems.append(RegisterProblem(fact.line, message))

    def first_time(self, fact: Fact, key: tuple[str, ...], what: str) -> bool:
        first = self.seen.setdefault(key, fact)
        if first is not fact:  # identity: a YAML flow list puts several facts on one line
            where = "" if first.organisation == fact.organisation else f" for {first.organisation}"
            self.fail(fact, f"{what} is already listed{where} on line {first.line}")
        return first is fact

    def domain(self, fact: Fact) -> str | None:
        domain = fact.value.casefold().rstrip(".")
        if not _DOMAIN.fullmatch(domain):
            self.fail(fact, f"{fact.value!r} is not a domain like konepaja.example")
            return None
        return domain if self.first_time(fact, ("domain", domain), f"domain {domain}") else None

    def contract(self, fact: Fact) -> ContractTerm | None:
        product, ends = self.product(fact), self.ends(fact)
        if product is None or ends is None:
            return None
        key = ("contract", fact.organisation, product)
        if not self.first_time(fact, key, f"a {product} contract"):
            return None
        return ContractTerm(product, ends)

    def contact(self, fact: Fact) -> NamedContact | None:
        product, email = self.product(fact), fact.value.casefold()
        local, _, domain = email.partition("@")
        if not (_LOCAL_PART.fullmatch(local) and _DOMAIN.fullmatch(domain)):
            self.fail(
                fact, f"{fact.value!r} is not an email address" if email else "email is missing"
            )
            return None
        if product is None:
            return None
        if self.catalog.product_class(product) is ProductClass.DESKTOP:
            self.fail(fact, f"{product} is a desktop product: every user of the organisation "
                            "is covered, so it has no named contacts")  # fmt: skip
            return None
        key = ("contact", fact.organisation, product, email)
        if not self.first_time(fact, key, f"{email} as a {product} contact"):
            return None
        return NamedContact(product, email, fact.name or None)

    def product(self, fact: Fact) -> str | None:
        if not fact.product:
            self.fail(fact, "product is missing")
            return None
        product = self.catalog.canonical(fact.product)
        if product is None:
            known = ", ".join(self.catalog.all())
            self.fail(fact, f"unknown product {fact.product!r} (known: {known})")
        return product

    def ends(self, fact: Fact) -> date | None:
        if not fact.ends:
            self.fail(fact, "ends (the contract's last day, YYYY-MM-DD) is missing")
            return None
        try:
            return date.fromisoformat(fact.ends)
        except ValueError:
            self.fail(fact, f"ends {fact.ends!r} is not a date like 2026-12-31")
            return None


def to_records(
    facts: list[Fact], catalog: ProductCatalog, problems: list[RegisterProblem]
) -> list[OrganisationRecord]:
    check = Validator(catalog, problems)
    first_line: dict[str, int] = {}
    listed_domains: set[str] = set()  # organisations with any domain entry, valid or not
    domains: dict[str, list[str]] = {}
    contracts: dict[str, list[ContractTerm]] = {}
    contacts: dict[str, list[tuple[int, NamedContact]]] = {}
    for fact in facts:
        org = fact.organisation
        if not org:
            check.fail(fact, "the organisation is missing")
            continue
        first_line.setdefault(org, fact.line)
        domains.setdefault(org, [])
        if fact.kind == "domain":
            listed_domains.add(org)
            if domain := check.domain(fact):
                domains[org].append(domain)
        elif fact.kind == "contract" and (term := check.contract(fact)):
            contracts.setdefault(org, []).append(term)
        elif fact.kind == "contact" and (contact := check.contact(fact)):
            contacts.setdefault(org, []).append((fact.line, contact))
    for org in first_line.keys() - listed_domains:
        problems.append(RegisterProblem(first_line[org], f"{org} has no domains"))
    for org, named in contacts.items():
        for line, contact in named:
            # The register finds a person's organisation by their email's domain only.
            if contact.email.partition("@")[2] not in domains[org]:
                message = f"{contact.email} is not at one of {org}'s domains"
                problems.append(RegisterProblem(line, message))
    return [
        OrganisationRecord(
            name=org,
            domains=tuple(listed),
            contracts=tuple(contracts.get(org, ())),
            named_contacts=tuple(contact for _, contact in contacts.get(org, ())),
        )
        for org, listed in domains.items()
    ]
