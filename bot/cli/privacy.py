"""``supportbot privacy export|erase --user EMAIL``: for requests that arrive by email."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from bot.app import App
from bot.core.settings import Settings


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "privacy",
        help="export or erase a person's data; purge what is past retention",
        description="Privacy requests that arrive by email or letter: export prints "
        "everything stored about a person as JSON, erase deletes it (with its copies on the "
        "agents' Slack), purge applies the retention period now. A person is found by the "
        "email address they gave when they consented; before consent nothing is stored.",
    )
    actions = parser.add_subparsers(dest="privacy_action", required=True)
    export = actions.add_parser("export", help="print everything stored about a user, as JSON")
    export.add_argument("--user", metavar="EMAIL", required=True, help="the person's email")
    export.set_defaults(run=run_export)
    erase = actions.add_parser("erase", help="erase everything stored about a user")
    erase.add_argument("--user", metavar="EMAIL", required=True, help="the person's email")
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    erase.set_defaults(run=run_erase)
    purge = actions.add_parser(
        "purge",
        help="delete what is past the retention period now (SUPPORTBOT_RETENTION_DAYS)",
        description=(
            "Delete closed cases, transcripts, idle conversations and people not seen "
            "within the retention period (default 730 days), as housekeeping does hourly."
        ),
    )
    purge.add_argument("--dry-run", action="store_true", help="only count what would go")
    purge.set_defaults(run=run_purge)


def _ask(question: str) -> str:
    """The typed answer; a closed standard input answers no."""
    try:
        return input(question)
    except EOFError:
        print()
        return ""


async def run_export(args: argparse.Namespace) -> int:
    app = await App.start(Settings.from_env(), knowledge=False)
    storage = app.storage
    try:
        users = await storage.users_by_email(args.user)
        exports = [await storage.export_user(user.id) for user in users]
    finally:
        await app.close()
    if not users:
        print(f"Nothing is stored for {args.user}: no one has consented with this address.",
              file=sys.stderr)  # fmt: skip
        return 1
    print(json.dumps({"email": args.user, "users": [e.as_json() for e in exports]},
                     ensure_ascii=False, indent=2))  # fmt: skip
    return 0


async def run_erase(args: argparse.Namespace) -> int:
    app = await App.start(Settings.from_env(), knowledge=False)
    storage = app.storage
    try:
        users = await storage.users_by_email(args.user)
        if not users:
            print(f"Nothing is stored for {args.user}.")
            return 0
        if not args.yes:
            answer = await asyncio.to_thread(
                _ask, f"Erase all data of {len(users)} user record(s) for {args.user}? [y/N] "
            )
            if answer.strip().casefold() not in ("y", "yes", "k", "kyllä"):
                print("Nothing was erased.")
                return 1
        for user in users:
            await storage.erase_user(user.id, at=app.clock(), source="cli")
        print(f"Erased {len(users)} user record(s) for {args.user}.")
        return 0
    finally:
        await app.close()


async def run_purge(args: argparse.Namespace) -> int:
    app = await App.start(Settings.from_env(), knowledge=False)
    try:
        erasure = await app.purge(dry_run=args.dry_run)
    finally:
        await app.close()
    days = app.settings.retention_days
    verb = "Would delete" if args.dry_run else "Deleted"
    print(f"{verb} {erasure.rows} row(s), {len(erasure.cases)} closed case(s), "
          f"older than {days} days.")  # fmt: skip
    return 0
