"""Running one parsed command: logging set up, async commands in one event loop."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import sys


def run_command(args: argparse.Namespace) -> int:
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
