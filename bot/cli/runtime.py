"""Running one parsed command: logging set up, async commands in one event loop."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os

from bot.core.logs import configure


def run_command(args: argparse.Namespace) -> int:
    json_lines = os.environ.get("SUPPORTBOT_LOG_FORMAT", "").strip().lower() == "json"
    configure(json_lines=json_lines, verbose=args.verbose)
    result = args.run(args)
    if inspect.isawaitable(result):
        result = asyncio.run(result)
    return int(result or 0)
