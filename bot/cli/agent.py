"""``supportbot agent --as EMAIL``: the agent console in a terminal.

A thin surface over :class:`bot.desk.Desk`: every command is a desk command
that any channel can call. Customers' messages and alerts for this agent
arrive through the outbox while the console runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from bot.app import App
from bot.channels.local.channel import LocalChannel
from bot.core.desk_text import case_line, message_line
from bot.core.settings import Settings
from bot.desk.commands import Desk, DeskError, DeskErrorCode
from bot.desk.outbox import Route
from bot.service.agents import DeskRoutes

HELP = """Commands (N is a case number; leave it out to act on your current case):
  list                     the queue
  show N                   a case and its transcript
  take N                   take a case
  reply [N] TEXT           write to the customer
  note [N] TEXT            an internal note (never shown to the customer)
  urgency [N] 1-4          change the urgency
  back [N]                 hand the chat back to the bot
  transfer [N] EMAIL|queue give the case to another agent, or back to the queue
  close [N] RESOLUTION     close the case with a resolution
  help, quit"""


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "agent", help="the agent console: queue, take, reply, note, hand back, transfer, close"
    )
    parser.add_argument("--as", dest="agent", metavar="EMAIL", required=True)
    parser.set_defaults(run=run)


class Console:
    """Parses one typed line into a desk command and prints the outcome."""

    def __init__(self, app: App, email: str, write: Callable[[str], None] = print) -> None:
        self.app, self.desk, self.email, self.write = app, app.desk, email, write
        self.current: int | None = None

    def _case(self, words: list[str]) -> tuple[int, list[str]]:
        if words and words[0].lstrip("#").isdigit():
            return int(words[0].lstrip("#")), words[1:]
        if self.current is None:
            raise DeskError(DeskErrorCode.NO_CASE, "Give a case number (see: list).")
        return self.current, words

    async def handle(self, line: str) -> bool:
        """Run one command; False when the agent quits."""
        command, *words = line.split()
        command = command.lower()
        try:
            if command in ("quit", "exit"):
                return False
            if command == "help":
                self.write(HELP)
            elif command in ("list", "queue"):
                await self._list()
            elif command == "show":
                await self._show(*self._case(words))
            else:
                await self._act(command, words)
        except DeskError as refused:
            self.write(f"! {refused}")
        return True

    async def _list(self) -> None:
        cards = await self.desk.queue(self.email)
        now = self.app.clock()
        lang = self.app.settings.agent_language
        self.write("\n".join(case_line(self.app.texts, lang, c, now) for c in cards) or "-")

    async def _show(self, case_id: int, _: list[str]) -> None:
        lang = self.app.settings.agent_language
        card = await self.app.cases.card(case_id)
        if card is None:
            self.write(f"! no case #{case_id}")
            return
        self.write(case_line(self.app.texts, lang, card, self.app.clock()))
        self.write(card.summary)
        for message in await self.desk.transcript(self.email, case_id):
            self.write("  " + message_line(self.app.texts, lang, message))

    async def _act(self, command: str, words: list[str]) -> None:
        case_id, rest = self._case(words)
        text = " ".join(rest)
        if command == "urgency" and not text.strip().isdigit():
            raise DeskError(
                DeskErrorCode.BAD_URGENCY,
                self.app.texts.get(self.app.settings.agent_language, "desk.bad_urgency"),
            )
        desk: Desk = self.desk
        actions: dict[str, Callable[[], Awaitable[Any]]] = {
            "take": lambda: desk.take(self.email, case_id),
            "reply": lambda: desk.reply(self.email, case_id, text),
            "note": lambda: desk.note(self.email, case_id, text),
            "urgency": lambda: desk.set_urgency(self.email, case_id, int(text or 0)),
            "back": lambda: desk.hand_back(self.email, case_id),
            "transfer": lambda: desk.transfer(self.email, case_id, text),
            "close": lambda: desk.close(self.email, case_id, text),
        }
        if command not in actions:
            self.write(f"! unknown command {command!r}; type help")
            return
        outcome = await actions[command]()
        self.current = case_id
        self.write(outcome.message)


async def run(args: argparse.Namespace) -> int:
    app = await App.start(Settings.from_env())
    email = args.agent.strip().lower()
    try:
        agent = app.desk.agent(email)
    except DeskError as refused:
        print(f"! {refused}", file=sys.stderr)
        await app.close()
        return 1
    console = Console(app, email)
    inbox = LocalChannel(user_id=email)
    address = DeskRoutes.personal_address(email).payload
    dispatcher = app.dispatcher({"local": Route(channel=inbox, address=address)})
    stop = asyncio.Event()
    background = [
        asyncio.create_task(dispatcher.run(stop)),
        asyncio.create_task(app.alerts.run(stop)),
    ]
    print(f"Agent console for {agent.name}. Type help for commands.")
    try:
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                break
            if line.strip() and not await console.handle(line.strip()):
                break
    finally:
        stop.set()
        for task in background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await app.close()
    return 0
