"""Customer register files (CSV or YAML, format: docs/customers.md) read into records.

Both formats are first flattened into facts — one domain, contract or named contact
each, with the line it came from — and one validator checks them all, so a file
is either wholly valid or rejected with every problem listed by line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from bot.core.register import (
    ContractTerm,
    NamedContact,
    OrganisationRecord,
    ProductCatalog,
    ProductClass,
)
from bot.service.entitlement import load_products

SAMPLE_REGISTER = Path(__file__).parent / "data" / "sample-customers.yaml"
CSV_HEADER = ("organisation", "kind", "product", "value", "ends", "name")
KINDS = ("domain", "contract", "contact")

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
_LOCAL_PART = re.compile(r"[^@\s]+")


@dataclass(frozen=True, slots=True)
class RegisterProblem:
    line: int | None
    message: str

    def shown(self, source: str) -> str:
        return f"{source}:{self.line}: {self.message}" if self.line else f"{source}: {self.message}"


class RegisterFileError(ValueError):
    """A register file that must not be imported; ``problems`` lists every one with its line."""

    def __init__(self, source: str, problems: list[RegisterProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(problem.shown(source) for problem in problems))


@dataclass(frozen=True, slots=True)
class _Fact:
    line: int
    organisation: str
    kind: str
    product: str = ""
    value: str = ""  # the domain, or the contact's email
    ends: str = ""
    name: str = ""


def parse_register(path: Path, catalog: ProductCatalog | None = None) -> list[OrganisationRecord]:
    """Read a register file, CSV or YAML by its extension, with products checked against
    ``catalog`` (default: :func:`load_products`). Returns the organisations in file order
    with canonical product names and lower-case domains and emails; raises
    RegisterFileError listing every problem, so nothing of a broken file is imported."""
    problems: list[RegisterProblem] = []
    text = path.read_text(encoding="utf-8-sig")  # Excel writes a BOM before the header
    if path.suffix.lower() == ".csv":
        facts = _csv_facts(text, problems)
    elif path.suffix.lower() in (".yaml", ".yml"):
        facts = _yaml_facts(text, problems)
    else:
        problem = RegisterProblem(None, "the file name must end in .csv, .yaml or .yml")
        raise RegisterFileError(str(path), [problem])
    records = _records(facts, catalog or load_products(), problems)
    if not records and not problems:
        problems.append(RegisterProblem(None, "the file lists no organisations"))
    if problems:
        raise RegisterFileError(str(path), sorted(problems, key=lambda p: p.line or 0))
    return records


# ------------------------------------------------------------------------- CSV


def _csv_facts(text: str, problems: list[RegisterProblem]) -> list[_Fact]:
    first = text.split("\n", 1)[0]
    # Finnish Excel separates columns with semicolons.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [cell.strip().casefold() for cell in next(reader, [])]
    if tuple(header) != CSV_HEADER:
        expected = ",".join(CSV_HEADER)
        problems.append(RegisterProblem(1, f"the header must be {expected}, not {first!r}"))
        return []
    facts: list[_Fact] = []
    for row in reader:
        line = reader.line_num
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if len(cells) > len(CSV_HEADER) and any(cells[len(CSV_HEADER) :]):
            problems.append(RegisterProblem(line, f"more than {len(CSV_HEADER)} columns"))
            continue
        organisation, kind, product, value, ends, name = (cells + [""] * 6)[:6]
        if kind.casefold() not in KINDS:
            problems.append(RegisterProblem(line, f"kind must be one of {', '.join(KINDS)}"))
            continue
        facts.append(_Fact(line, organisation, kind.casefold(), product, value, ends, name))
    return facts


# ------------------------------------------------------------------------ YAML

_SECTIONS = {
    "domains": ("domain", ()),
    "contracts": ("contract", ("product", "ends")),
    "named_contacts": ("contact", ("product", "email", "name")),
}


def _yaml_facts(text: str, problems: list[RegisterProblem]) -> list[_Fact]:
    try:
        # compose() keeps every scalar as its source text with its line, and builds nothing.
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        problems.append(RegisterProblem(line, f"not valid YAML: {error}"))
        return []
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        problems.append(RegisterProblem(_line(root), "the file must be a list of organisations"))
        return []
    facts: list[_Fact] = []
    first_line: dict[str, int] = {}
    for node in root.value:
        fields = _mapping(node, ("name", *_SECTIONS), "an organisation", problems)
        name = _text(fields.get("name"))
        if fields and not name:
            problems.append(RegisterProblem(_line(node), "the organisation has no name"))
        elif name in first_line:
            message = f"organisation {name!r} is listed twice (first on line {first_line[name]})"
            problems.append(RegisterProblem(_line(node), message))
        if name:  # declared even without facts, so "has no domains" is reported for it
            first_line.setdefault(name, _line(node))
            facts.append(_Fact(_line(node), name, "organisation"))
        else:  # still check its entries, under a stand-in name
            name = f"the organisation on line {_line(node)}"
        for section, (kind, keys) in _SECTIONS.items():
            facts.extend(_section(fields.get(section), name, kind, keys, problems))
    return facts


def _section(
    node: yaml.Node | None,
    organisation: str,
    kind: str,
    keys: tuple[str, ...],
    problems: list[RegisterProblem],
) -> list[_Fact]:
    if node is None or (isinstance(node, yaml.ScalarNode) and _text(node) == ""):
        return []
    if not isinstance(node, yaml.SequenceNode):
        problems.append(RegisterProblem(_line(node), f"expected a list of {kind} entries"))
        return []
    facts = []
    for item in node.value:
        if not keys:  # a domain is a bare scalar
            facts.append(_Fact(_line(item), organisation, kind, value=_text(item)))
            continue
        fields = _mapping(item, keys, f"a {kind}", problems)
        value = _text(fields.get("email"))
        ends, name = _text(fields.get("ends")), _text(fields.get("name"))
        product = _text(fields.get("product"))
        facts.append(_Fact(_line(item), organisation, kind, product, value, ends, name))
    return facts


def _mapping(
    node: yaml.Node, keys: tuple[str, ...], what: str, problems: list[RegisterProblem]
) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        problems.append(RegisterProblem(_line(node), f"{what} must be a mapping of keys"))
        return {}
    fields = {_text(key): value for key, value in node.value}
    for key in sorted(set(fields) - set(keys)):
        problems.append(RegisterProblem(_line(node), f"unknown key {key!r} in {what}"))
    return fields


def _text(node: yaml.Node | None) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        return ""
    return str(node.value).strip()


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


# ------------------------------------------------------------------ validation


class _Validator:
    """Checks facts one by one, remembering what each key was first seen on."""

    def __init__(self, catalog: ProductCatalog, problems: list[RegisterProblem]) -> None:
        self.catalog = catalog
        self.problems = problems
        self.seen: dict[tuple[str, ...], _Fact] = {}  # a key → the fact that listed it first

    def fail(self, fact: _Fact, message: str) -> None:
        self.problems.append(RegisterProblem(fact.line, message))

    def first_time(self, fact: _Fact, key: tuple[str, ...], what: str) -> bool:
        first = self.seen.setdefault(key, fact)
        if first is not fact:  # identity: a YAML flow list puts several facts on one line
            where = "" if first.organisation == fact.organisation else f" for {first.organisation}"
            self.fail(fact, f"{what} is already listed{where} on line {first.line}")
        return first is fact

    def domain(self, fact: _Fact) -> str | None:
        domain = fact.value.casefold().rstrip(".")
        if not _DOMAIN.fullmatch(domain):
            self.fail(fact, f"{fact.value!r} is not a domain like konepaja.example")
            return None
        return domain if self.first_time(fact, ("domain", domain), f"domain {domain}") else None

    def contract(self, fact: _Fact) -> ContractTerm | None:
        product, ends = self.product(fact), self.ends(fact)
        if product is None or ends is None:
            return None
        key = ("contract", fact.organisation, product)
        if not self.first_time(fact, key, f"a {product} contract"):
            return None
        return ContractTerm(product, ends)

    def contact(self, fact: _Fact) -> NamedContact | None:
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

    def product(self, fact: _Fact) -> str | None:
        if not fact.product:
            self.fail(fact, "product is missing")
            return None
        product = self.catalog.canonical(fact.product)
        if product is None:
            known = ", ".join(self.catalog.all())
            self.fail(fact, f"unknown product {fact.product!r} (known: {known})")
        return product

    def ends(self, fact: _Fact) -> date | None:
        if not fact.ends:
            self.fail(fact, "ends (the contract's last day, YYYY-MM-DD) is missing")
            return None
        try:
            return date.fromisoformat(fact.ends)
        except ValueError:
            self.fail(fact, f"ends {fact.ends!r} is not a date like 2026-12-31")
            return None


def _records(
    facts: list[_Fact], catalog: ProductCatalog, problems: list[RegisterProblem]
) -> list[OrganisationRecord]:
    check = _Validator(catalog, problems)
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
