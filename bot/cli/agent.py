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

# What an agent may type, in Finnish or English, and the command it means.
WORDS = {
    "list": "list", "queue": "list", "jono": "list", "show": "show", "näytä": "show",
    "nayta": "show", "take": "take", "ota": "take", "reply": "reply", "vastaa": "reply",
    "note": "note", "muistiinpano": "note", "urgency": "urgency", "kiireellisyys": "urgency",
    "back": "back", "palauta": "back", "transfer": "transfer", "siirrä": "transfer",
    "siirra": "transfer", "close": "close", "sulje": "close", "help": "help", "ohje": "help",
    "quit": "quit", "exit": "quit", "lopeta": "quit",
}  # fmt: skip


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "agent",
        help="the agent console: take, reply, note, hand back, close cases",
        description="The agents' console in a terminal: the queue, cases and their "
        "transcripts, and every desk action (take, reply, note, urgency, hand back, "
        "transfer, close). Customers' messages and due-time alerts for you appear while it "
        "runs. It speaks SUPPORTBOT_AGENT_LANGUAGE (fi by default) and accepts the commands "
        "in Finnish and English; type help (ohje) inside it.",
    )
    parser.add_argument(
        "--as", dest="agent", metavar="EMAIL", required=True,
        help="your address as in SUPPORTBOT_AGENTS (only agents may use the console)",
    )
    parser.set_defaults(run=run)


class Console:
    """Parses one typed line into a desk command and prints the outcome."""

    def __init__(self, app: App, email: str, write: Callable[[str], None] = print) -> None:
        self.app, self.desk, self.email, self.write = app, app.desk, email, write
        self.current: int | None = None
        self.lang = app.settings.agent_language

    def text(self, key: str, **params: object) -> str:
        return self.app.texts.get(self.lang, key, **params)

    def _case(self, words: list[str]) -> tuple[int, list[str]]:
        if words and words[0].lstrip("#").isdigit():
            return int(words[0].lstrip("#")), words[1:]
        if self.current is None:
            raise DeskError(DeskErrorCode.NO_CASE, self.text("cli.agent.give_case"))
        return self.current, words

    async def handle(self, line: str) -> bool:
        """Run one command; False when the agent quits."""
        typed, *words = line.split()
        command = WORDS.get(typed.lower(), typed.lower())
        try:
            if command == "quit":
                return False
            if command == "help":
                self.write(self.text("cli.agent.help"))
            elif command == "list":
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
        lines = [case_line(self.app.texts, self.lang, c, now) for c in cards]
        self.write("\n".join(lines) or self.text("cli.agent.queue_empty"))

    async def _show(self, case_id: int, _: list[str]) -> None:
        lang = self.lang
        card = await self.app.cases.card(case_id)
        if card is None:
            self.write(f"! {self.text('desk.no_case', case=case_id)}")
            return
        self.write(case_line(self.app.texts, lang, card, self.app.clock()))
        self.write(card.summary)
        for message in await self.desk.transcript(self.email, case_id):
            self.write("  " + message_line(self.app.texts, lang, message))

    async def _act(self, command: str, words: list[str]) -> None:
        if command not in ("take", "reply", "note", "urgency", "back", "transfer", "close"):
            self.write(f"! {self.text('cli.agent.unknown_command', command=command)}")
            return
        case_id, rest = self._case(words)
        text = " ".join(rest)
        if command == "urgency" and not text.strip().isdigit():
            raise DeskError(
                DeskErrorCode.BAD_URGENCY,
                self.text("desk.bad_urgency"),
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
    print(console.text("cli.agent.welcome", name=agent.name), flush=True)
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
