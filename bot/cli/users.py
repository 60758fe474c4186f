"""``supportbot users add|list|remove``: the web console's staff accounts.

``add`` reads the password from standard input (one line), or with ``--generate``
makes one and prints it once, or with ``--link`` prints a one-time sign-in link
where the person sets their own password. Agents see the desk, editors the
workbench.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import Any

from bot.app import App
from bot.core.settings import Settings
from bot.service.accounts import (
    LINK_HOURS,
    NO_PASSWORD,
    ROLES,
    AccountError,
    check_new,
    hash_password,
    new_link_token,
    new_password,
    token_digest,
)
from storage.web import SqlWebStore, StaffRecord

# Where `make run` serves the console; set SUPPORTBOT_PUBLIC_URL for the real address.
DEFAULT_BASE = "http://127.0.0.1:8080"


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
    how = add.add_mutually_exclusive_group()
    how.add_argument("--generate", action="store_true",
                     help="make a password and print it once instead of reading one")
    how.add_argument("--link", action="store_true",
                     help="print a one-time sign-in link to set the password instead")
    add.add_argument("--link-hours", type=float, default=LINK_HOURS, metavar="HOURS",
                     help=f"how long the link works (default {LINK_HOURS:g} hours)")
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
    password: str | None = None  # --link: the person sets it
    if args.generate:
        password = new_password()
    elif not args.link:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        check_new(email, args.role, password)
    except AccountError as error:
        print(f"supportbot users: {error}", file=sys.stderr)
        return 2
    app, store = await _store()
    try:
        name = args.name or email.split("@")[0].replace(".", " ").title()
        known = await store.staff(email)
        if password is None:  # an account keeps its password until the link sets one
            hashed = known.password_hash if known else NO_PASSWORD
        else:
            hashed = await hash_password(password)
        record = StaffRecord(email=email, name=name, role=args.role, password_hash=hashed)
        new = await store.add_staff(record, at=app.clock())
        link = await _link(app, store, email, args.link_hours) if args.link else ""
    finally:
        await app.close()
    print(f"{'added' if new else 'updated'}: {email} ({args.role})")
    if args.generate:
        print(f"password (shown once): {password}")
    if link:
        print(f"sign-in link (works once, for {args.link_hours:g} hours): {link}")
    return 0


async def _link(app: App, store: SqlWebStore, email: str, hours: float) -> str:
    token, now = new_link_token(), app.clock()
    await store.add_link(email, token_digest(token), at=now,
                         expires_at=now + timedelta(hours=hours))  # fmt: skip
    base = (app.settings.web_public_url or DEFAULT_BASE).rstrip("/")
    return f"{base}/signin/link/{token}"


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
