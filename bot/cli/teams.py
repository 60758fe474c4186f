"""``supportbot teams package``: the Teams app package to upload (docs/teams.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.channels.teams.package import PackageError, package
from bot.core.settings import Settings


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "teams", help="Microsoft Teams: the app package",
        description="Microsoft Teams tools (docs/teams.md).",
    )  # fmt: skip
    actions = parser.add_subparsers(dest="teams_command", metavar="ACTION", required=True)
    made = actions.add_parser(
        "package", help="write the Teams app package (manifest 1.25, icons, Finnish strings)",
        description="Write the app package to upload in Teams: manifest.json (schema 1.25) "
        "with the bot's id from TEAMS_APP_ID, fi.json, color.png and outline.png, zipped flat.",
    )  # fmt: skip
    made.add_argument("--out", metavar="FILE", default="supportbot-teams.zip",
                      help="where to write the zip (default: supportbot-teams.zip)")  # fmt: skip
    made.set_defaults(run=run_package)


def run_package(args: argparse.Namespace) -> int:
    """Write the package; 2 when a setting it needs is missing."""
    try:
        data = package(Settings.from_env())
    except PackageError as missing:
        print(f"supportbot teams package: {missing}", file=sys.stderr)
        return 2
    Path(args.out).write_bytes(data)
    print(f"wrote {args.out} ({len(data)} bytes)")
    return 0
