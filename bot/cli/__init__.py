"""The ``supportbot`` command. Each subcommand lives in its own module here.

A subcommand module has ``register(commands)``, which adds its parser and sets
``run`` to a function taking the parsed arguments and returning an exit code
(or an awaitable of one: async commands run in one event loop).

Only the module of the command being run is imported: ``supportbot --help``
and a mistyped command answer at once instead of loading the database layer,
the SDKs and the dictionaries that every command together would need.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# name: (module, one-line help shown by ``supportbot --help``). The module's own
# ``register`` adds the full parser (arguments, description) when the command runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "chat": ("bot.cli.chat", "chat with the bot in this terminal, as a customer"),
    "route": ("bot.cli.route", "show what the bot decides for one message, and why"),
    "eval": ("bot.cli.route", "score routing on labelled .jsonl sets"),
    "kb": ("bot.cli.kb", "list, show, export or check (lint) the knowledge base articles"),
    "privacy": ("bot.cli.privacy", "export or erase a person's data; purge what is past retention"),
    "hours": ("bot.cli.hours", "is the service open, and when is a request arriving now due"),
    "customers": ("bot.cli.customers", "import, list and check the customer register"),
    "queue": ("bot.cli.queue", "open cases in queue order (urgency, then arrival)"),
    "agent": ("bot.cli.agent", "the agent console: take, reply, note, hand back, close cases"),
    "serve": ("bot.cli.serve", "run the web server for Slack and Teams, with health and metrics"),
    "doctor": ("bot.cli.doctor", "check the configuration and what it needs; say how to fix it"),
    "teams": ("bot.cli.teams", "write the Microsoft Teams app package to upload"),
}

DESCRIPTION = """\
Econocap's technical support bot for PTC software: customers talk to it in
Microsoft Teams, Slack or this terminal; Econocap's agents take the cases it
hands over. Everything is configured through environment variables (README,
"Configuration"); without any, a SQLite database under data/ and sample
customers and agents are used.

Run `supportbot COMMAND --help` for a command's own options."""

EPILOG = """\
examples:
  supportbot chat --user olli@konepaja.example   talk to the bot as a customer
  supportbot agent --as maija.virtanen@econocap.example
  supportbot kb lint                              check articles before publishing
  supportbot doctor                               is this installation ready?
  supportbot serve --port 3000                    serve Slack (and Teams)"""


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line, if it is one we know."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; only the command named in ``argv`` gets its full (imported) parser."""
    parser = argparse.ArgumentParser(
        prog="supportbot",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = _chosen(argv)
    registered: set[str] = set()
    for name, (module_name, summary) in COMMANDS.items():
        if name in registered:
            continue
        if chosen is not None and COMMANDS[chosen][0] == module_name:
            importlib.import_module(module_name).register(commands)
            registered.update(n for n, (m, _) in COMMANDS.items() if m == module_name)
        else:
            commands.add_parser(name, help=summary)
            registered.add(name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if sys.stdin is None:  # started with standard input closed: that is an empty input
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as we do
    try:
        return _run(argv)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`supportbot kb list | head`): say nothing more. Python
        # flushes stdout again on exit, so point it at nothing first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def _run(argv: list[str]) -> int:
    from bot.cli.runtime import run_command

    args = build_parser(argv).parse_args(argv)
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
