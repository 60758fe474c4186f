"""Customer register files (CSV or YAML, format: docs/customers.md) read into records.

Both formats are first flattened into facts — one domain, contract or named contact
each, with the line it came from — and one validator checks them all, so a file
is either wholly valid or rejected with every problem listed by line.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml

from bot.core.register import (
    OrganisationRecord,
    ProductCatalog,
)
from bot.service.entitlement import load_products
from bot.service.register_check import Fact, RegisterProblem, to_records

SAMPLE_REGISTER = Path(__file__).parent / "data" / "sample-customers.yaml"
CSV_HEADER = ("organisation", "kind", "product", "value", "ends", "name")
KINDS = ("domain", "contract", "contact")

class RegisterFileError(ValueError):
    """A register file that must not be imported; ``problems`` lists every one with its line."""

    def __init__(self, source: str, problems: list[RegisterProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(problem.shown(source) for problem in problems))


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
    records = to_records(facts, catalog or load_products(), problems)
    if not records and not problems:
        problems.append(RegisterProblem(None, "the file lists no organisations"))
    if problems:
        raise RegisterFileError(str(path), sorted(problems, key=lambda p: p.line or 0))
    return records


# ------------------------------------------------------------------------- CSV


def _csv_facts(text: str, problems: list[RegisterProblem]) -> list[Fact]:
    first = text.split("\n", 1)[0]
    # Finnish Excel separates columns with semicolons.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [cell.strip().casefold() for cell in next(reader, [])]
    if tuple(header) != CSV_HEADER:
        expected = ",".join(CSV_HEADER)
        problems.append(RegisterProblem(1, f"the header must be {expected}, not {first!r}"))
        return []
    facts: list[Fact] = []
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
        facts.append(Fact(line, organisation, kind.casefold(), product, value, ends, name))
    return facts


# ------------------------------------------------------------------------ YAML

_SECTIONS = {
    "domains": ("domain", ()),
    "contracts": ("contract", ("product", "ends")),
    "named_contacts": ("contact", ("product", "email", "name")),
}


def _yaml_facts(text: str, problems: list[RegisterProblem]) -> list[Fact]:
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
    facts: list[Fact] = []
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
            facts.append(Fact(_line(node), name, "organisation"))
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
) -> list[Fact]:
    if node is None or (isinstance(node, yaml.ScalarNode) and _text(node) == ""):
        return []
    if not isinstance(node, yaml.SequenceNode):
        problems.append(RegisterProblem(_line(node), f"expected a list of {kind} entries"))
        return []
    facts = []
    for item in node.value:
        if not keys:  # a domain is a bare scalar
            facts.append(Fact(_line(item), organisation, kind, value=_text(item)))
            continue
        fields = _mapping(item, keys, f"a {kind}", problems)
        value = _text(fields.get("email"))
        ends, name = _text(fields.get("ends")), _text(fields.get("name"))
        product = _text(fields.get("product"))
        facts.append(Fact(_line(item), organisation, kind, product, value, ends, name))
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
