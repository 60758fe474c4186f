"""``supportbot customers import|list|check``: the customer register (service description 1.6).

File formats and the sample register: docs/customers.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import App
from bot.core.register import (
    Entitlement,
    EntitlementReason,
    ProductsFileError,
    RegisterConflictError,
    UnknownProductError,
)
from bot.core.settings import Settings
from bot.service.register import Register
from bot.service.register_file import SAMPLE_REGISTER, RegisterFileError, parse_register

# Contracts end on Finnish calendar days.
_ZONE = ZoneInfo("Europe/Helsinki")
_WHY = {
    EntitlementReason.ENTITLED: "entitled",
    EntitlementReason.NO_CONTRACT: "no maintenance contract for this product",
    EntitlementReason.CONTRACT_EXPIRED: "the maintenance contract has ended",
    EntitlementReason.NOT_NAMED_CONTACT: "not a named responsible person for this system product",
    EntitlementReason.UNKNOWN_ORGANISATION: "no customer organisation has this email's domain",
}


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "customers", help="import, list and check the customer register (entitlement)"
    )
    actions = parser.add_subparsers(dest="customers_action", required=True)
    load = actions.add_parser(
        "import",
        help="import a register file (CSV or YAML); all of it or, on any error, none of it",
        description="Each organisation in the file replaces its stored domains, contracts "
        "and named contacts; organisations not in the file stay as they are.",
    )
    load.add_argument("file", type=Path, metavar="FILE", help=".csv, .yaml or .yml")
    load.set_defaults(run=run_import)
    listing = actions.add_parser("list", help="the organisations, their contracts and contacts")
    listing.add_argument("--today", type=_day, metavar="YYYY-MM-DD", help="mark expiry as of")
    listing.set_defaults(run=run_list)
    check = actions.add_parser("check", help="may EMAIL open a case for PRODUCT, and why")
    check.add_argument("email", metavar="EMAIL")
    check.add_argument("product", metavar="PRODUCT", help="a product name or alias, e.g. wc")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument("--today", type=_day, metavar="YYYY-MM-DD", help="check as of this day")
    check.set_defaults(run=run_check)


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a date like 2026-12-31") from None


def _today(given: date | None) -> date:
    return given or datetime.now(_ZONE).date()


async def _with_register(use: Callable[[Register], Awaitable[int]]) -> int:
    try:
        app = await App.start(Settings.from_env(), knowledge=False)
    except (ProductsFileError, OSError) as error:
        print(f"supportbot customers: products file: {error}", file=sys.stderr)
        return 1
    try:
        return await use(app.register)
    finally:
        await app.close()


async def run_import(args: argparse.Namespace) -> int:
    """Import FILE; on any problem print each one with its line, import nothing, return 1."""

    async def use(customers: Register) -> int:
        try:
            records = await asyncio.to_thread(parse_register, args.file, customers.catalog)
            report = await customers.store.import_records(records)
        except RegisterFileError as error:
            print(f"{error}\nNothing was imported ({len(error.problems)} problems).",
                  file=sys.stderr)  # fmt: skip
            return 1
        except RegisterConflictError as error:
            print(f"{args.file}: {error}\nNothing was imported.", file=sys.stderr)
            return 1
        except OSError as error:
            print(f"supportbot customers import: {error}", file=sys.stderr)
            return 1
        print(f"Imported {len(records)} organisation(s) from {args.file}:")
        for record in records:
            state = "replaced" if record.name in report.replaced else "new"
            print(f"  {record.name} ({state}): {len(record.domains)} domain(s), "
                  f"{len(record.contracts)} contract(s), "
                  f"{len(record.named_contacts)} named contact(s)")  # fmt: skip
        return 0

    return await _with_register(use)


async def run_list(args: argparse.Namespace) -> int:
    """Print the register as a table; expired contracts are marked."""
    today = _today(args.today)

    async def use(customers: Register) -> int:
        summaries = await customers.store.organisations()
        if not summaries:
            print("The customer register is empty. To try the sample: supportbot customers "
                  f"import {SAMPLE_REGISTER}")  # fmt: skip
            return 0
        rows = [("Organisation", "Domains", "Contracts (last day)", "Named contacts")]
        for summary in summaries:
            contracts = ", ".join(
                f"{c.product} {c.ends}" + ("" if c.covers(today) else " (expired)")
                for c in summary.contracts
            )
            domains = ", ".join(summary.domains)
            rows.append((summary.name, domains, contracts or "-", str(summary.named_contacts)))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
                  + "  " + row[3])  # fmt: skip
        print(f"\n{len(summaries)} organisation(s); expiry as of {today}.")
        return 0

    return await _with_register(use)


async def run_check(args: argparse.Namespace) -> int:
    """Print whether EMAIL may open a case for PRODUCT and why; 2 for an unknown product."""
    today = _today(args.today)

    async def use(customers: Register) -> int:
        try:
            entitlement = await customers.check(args.email, args.product, today)
        except UnknownProductError as error:
            print(f"supportbot customers check: {error}", file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps(entitlement.as_json(), ensure_ascii=False))
        else:
            print("\n".join(_as_lines(entitlement, args.email, today)))
        return 0

    return await _with_register(use)


def _as_lines(entitlement: Entitlement, email: str, today: date) -> list[str]:
    verdict = "Entitled" if entitlement.entitled else "Not entitled"
    product = f"{entitlement.product} ({entitlement.product_class.value} product)"
    lines = [f"{verdict}: {email} for {product} on {today}."]
    if not entitlement.entitled:
        lines.append(f"Why: {_WHY[entitlement.reason]} [{entitlement.reason.value}].")
    if entitlement.organisation:
        lines.append(f"Organisation: {entitlement.organisation}")
    if entitlement.contract_ends:
        lines.append(f"Contract's last day: {entitlement.contract_ends}")
    if entitlement.named_contacts:
        lines.append("Named contacts who can open the case:")
        lines.extend(f"  {c.name or '-'} <{c.email}>" for c in entitlement.named_contacts)
    return lines
