"""``supportbot users add|list|remove``: the web console's staff accounts.

``add`` reads the password from standard input (one line), or with ``--generate``
makes one and prints it once. Agents see the desk, editors the workbench.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.app import App
from bot.core.settings import Settings
from bot.service.accounts import ROLES, AccountError, check_new, hash_password, new_password
from storage.web import SqlWebStore, StaffRecord


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "users", help="staff accounts of the web console (agents and editors)"
    )
    actions = parser.add_subparsers(dest="users_action", required=True)
    add = actions.add_parser("add", help="add an account, or set its password, name and role",
                             description="The password is read from standard input.")
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--name", help="the name shown to customers and colleagues")
    add.add_argument("--generate", action="store_true",
                     help="make a password and print it once instead of reading one")
    add.set_defaults(run=run_add)
    listing = actions.add_parser("list", help="the accounts and their roles")
    listing.set_defaults(run=run_list)
    remove = actions.add_parser("remove", help="remove an account")
    remove.add_argument("email", metavar="EMAIL")
    remove.set_defaults(run=run_remove)


async def _store() -> tuple[App, SqlWebStore]:
    app = await App.start(Settings.from_env(), knowledge=False)
    return app, SqlWebStore(app.database)


async def run_add(args: argparse.Namespace) -> int:
    email = args.email.strip().lower()
    password = new_password() if args.generate else sys.stdin.readline().rstrip("\r\n")
    try:
        check_new(email, args.role, password)
    except AccountError as error:
        print(f"supportbot users: {error}", file=sys.stderr)
        return 2
    app, store = await _store()
    try:
        name = args.name or email.split("@")[0].replace(".", " ").title()
        record = StaffRecord(email=email, name=name, role=args.role,
                             password_hash=await hash_password(password))  # fmt: skip
        new = await store.add_staff(record, at=app.clock())
    finally:
        await app.close()
    print(f"{'added' if new else 'updated'}: {email} ({args.role})")
    if args.generate:
        print(f"password (shown once): {password}")
    return 0


async def run_list(args: argparse.Namespace) -> int:
    app, store = await _store()
    try:
        for record in await store.all_staff():
            print(f"{record.email}\t{record.role}\t{record.name}")
    finally:
        await app.close()
    return 0


async def run_remove(args: argparse.Namespace) -> int:
    app, store = await _store()
    try:
        gone = await store.remove_staff(args.email.strip().lower())
    finally:
        await app.close()
    print("removed" if gone else "no such account")
    return 0 if gone else 1
