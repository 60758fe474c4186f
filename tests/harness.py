"""The test harness is a channel (errbot's test backend, Rasa's CollectingOutputChannel):
it pushes messages through the real engine and collects the replies."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

from bot.app import App
from bot.core.contract import InboundMessage, OutboundReply, ReplyAddress, Sender
from bot.desk.outbox import Route
from handlers.actions import CONSENT_ACCEPT

_ids = itertools.count(1)


@dataclass
class Clock:
    """A controllable clock: tests move time explicitly instead of sleeping."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Collector:
    """A channel that keeps what it is sent."""

    name: str
    replies: list[OutboundReply] = field(default_factory=list)

    async def send(self, address: ReplyAddress, replies: Sequence[OutboundReply]) -> None:
        self.replies.extend(replies)


@dataclass
class Chat:
    """One user in one conversation on a collecting channel."""

    app: App
    user: str = "matti.meikalainen@asiakas.fi"
    name: str | None = "Matti Meikäläinen"
    conversation: str = "dm-1"
    channel: str = "test"
    private: bool = True
    last: list[OutboundReply] = field(default_factory=list)
    sent: list[InboundMessage] = field(default_factory=list)

    def message(
        self, text: str = "", *, action: str | None = None, label: str = ""
    ) -> InboundMessage:
        return InboundMessage(
            channel=self.channel,
            conversation_id=self.conversation,
            message_id=f"m{next(_ids)}",
            sender=Sender(id=self.user, name=self.name, email=self.user),
            address=ReplyAddress.of(self.channel, {"conversation": self.conversation}),
            text=text or label,
            action=action,
            private=self.private,
        )

    async def push(self, message: InboundMessage) -> list[OutboundReply]:
        self.sent.append(message)
        self.last = await self.app.engine.handle(message)
        return self.last

    async def say(self, text: str) -> list[OutboundReply]:
        return await self.push(self.message(text))

    async def click(self, value: str) -> list[OutboundReply]:
        """Click the button with this value (or whose value starts with it) in the last replies."""
        for reply in self.last:
            for button in reply.buttons:
                if button.value == value or button.value.startswith(value):
                    return await self.push(self.message(action=button.value, label=button.label))
        offered = [b.value for r in self.last for b in r.buttons]
        raise AssertionError(f"no button {value!r} among {offered}")

    async def consent(self) -> list[OutboundReply]:
        """Accept consent as the consent question's button does (asked before a hand-over;
        a click on it counts whenever it comes). Once given it is not asked again."""
        return await self.push(self.message(action=CONSENT_ACCEPT))

    async def receive(self) -> list[OutboundReply]:
        """Deliver what waits in the outbox for this chat, as its channel would, and
        return it (the harness is a channel: replies leave the outbox once delivered)."""
        collector = Collector(self.channel)
        route = Route(channel=collector, address=self.message().address.payload)
        await self.app.dispatcher({self.channel: route}, woken=False).deliver_due()
        return collector.replies

    @property
    def text(self) -> str:
        return "\n\n".join(r.text for r in self.last)

    def buttons(self) -> list[str]:
        return [b.value for r in self.last for b in r.buttons]


async def all_rows(app: App) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, for asserting what is (not) stored."""
    out: dict[str, list[dict[str, Any]]] = {}
    async with app.database.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await connection.execute(select(table))).mappings().all()
            out[table.name] = [dict(row) for row in rows]
    return out


async def rows_mentioning(app: App, *needles: str) -> list[tuple[str, dict[str, Any]]]:
    """Rows anywhere in the database whose any value contains any of the needles."""
    found = []
    for table, rows in (await all_rows(app)).items():
        for row in rows:
            if any(n and n.casefold() in str(v).casefold() for v in row.values() for n in needles):
                found.append((table, row))
    return found
