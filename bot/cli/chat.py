"""``supportbot chat``: placeholder until its owner lands it."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser("chat", help="(not yet built)")
    parser.set_defaults(run=lambda args: 2)
