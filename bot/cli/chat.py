"""``supportbot chat``: talk to the real engine and database from a terminal.

Works interactively and with piped input (reads lines until end of input),
so a conversation can be scripted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import sys
from typing import Any

from bot.app import App
from bot.channels.local.channel import LocalChannel
from bot.core.settings import Settings
from bot.desk.outbox import Route


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "chat",
        help="chat with the bot in this terminal, as a customer",
        description="Talk to the bot as a customer would, on the same engine and database as "
        "Slack and Teams. Buttons are shown as numbered lines: type the number. Reads lines "
        "until the end of input (Ctrl-D), so a conversation can be piped in as a script.",
    )
    parser.add_argument(
        "--user", metavar="EMAIL",
        help="who you are: the email the customer register is checked with (after consent)",
    )
    parser.add_argument("--name", help="your name, as a chat platform would know it")
    parser.add_argument(
        "--lang", choices=("fi", "en"), help="the bot's language until you write something"
    )
    parser.set_defaults(run=run)


async def _lines(prompt: str) -> Any:
    while True:
        print(prompt, end="", flush=True)
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            return
        yield line.rstrip("\n")


async def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.lang:
        settings = dataclasses.replace(settings, default_language=args.lang)
    app = await App.start(settings)
    interactive = sys.stdin.isatty()
    channel = LocalChannel(user_id=args.user or "terminal-user", email=args.user, name=args.name)
    # Every reply arrives through the outbox, for this terminal's own address only: the
    # turn's own at once (below), agents' replies whenever the poll finds them.
    routes = {"local": Route(channel=channel, address=channel.address.payload)}
    dispatcher = app.dispatcher(routes, woken=False)
    stop = asyncio.Event()
    delivering = asyncio.create_task(dispatcher.run(stop))
    if interactive:
        print(
            "Econocapin tukibotti – kirjoita viesti, Ctrl-D lopettaa."
            " | Econocap support bot – type a message, Ctrl-D to quit.\n"
        )
    try:
        async for line in _lines("> " if interactive else ""):
            if not line.strip():
                continue
            if not interactive:
                print(f"> {line}")
            await app.engine.handle(channel.inbound(line))
            with channel.turn():
                await dispatcher.deliver_due()
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await delivering
        await app.close()
    return 0
