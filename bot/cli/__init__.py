"""The ``supportbot`` command. Each subcommand lives in its own module here.

A subcommand module has ``register(commands)``, which adds its parser and sets
``run`` to a function taking the parsed arguments and returning an exit code
(or an awaitable of one: async commands run in one event loop).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import sys
from collections.abc import Sequence

from bot.cli import agent, chat, customers, hours, kb, privacy, queue, route, serve, teams, users

COMMANDS = (chat, route, kb, privacy, hours, customers, queue, agent, serve, teams, users)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supportbot",
        description="Econocap's technical support bot (Teams, Slack, terminal).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    if args.verbose:
        # Only our own loggers: at DEBUG the SDKs log request and response bodies,
        # which carry message text, names and email addresses.
        for name in ("bot", "handlers", "knowledge", "storage"):
            logging.getLogger(name).setLevel(logging.DEBUG)
    result = args.run(args)
    if inspect.isawaitable(result):
        result = asyncio.run(result)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
