"""The local channel: the terminal, and the channel the tests talk through.

Buttons degrade to numbered lines; typing a number clicks that button.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from bot.core.contract import (
    InboundMessage,
    OutboundReply,
    ReplyAddress,
    Sender,
    as_plain_text,
    pick_button,
)

NAME = "local"


class LocalChannel:
    """Turns typed lines into inbound messages and replies into printable text."""

    name = NAME

    def __init__(
        self,
        *,
        user_id: str,
        email: str | None = None,
        name: str | None = None,
        conversation: str | None = None,
        write: Callable[[str], None] = print,
    ) -> None:
        self.sender = Sender(id=user_id, email=email, name=name)
        self.conversation_id = conversation or f"terminal:{user_id}"
        self._write = write
        self._last: tuple[OutboundReply, ...] = ()
        self._numbers = itertools.count(1)

    @property
    def address(self) -> ReplyAddress:
        return ReplyAddress.of(NAME, {"conversation": self.conversation_id})

    def inbound(self, line: str) -> InboundMessage:
        """A typed line as an inbound message; a button's number becomes a click."""
        action = pick_button(self._last, line)
        label = next((b.label for r in self._last for b in r.buttons if b.value == action), line)
        return InboundMessage(
            channel=NAME,
            conversation_id=self.conversation_id,
            message_id=f"{self.conversation_id}:{next(self._numbers)}",
            sender=self.sender,
            address=self.address,
            text=label if action else line,
            action=action,
            private=True,
        )

    def display(self, replies: Sequence[OutboundReply]) -> None:
        """Print one turn's replies and remember their buttons for the next line."""
        self._last = tuple(replies)
        for text in as_plain_text(replies):
            self._write(text + "\n")

    async def send(self, address: ReplyAddress, replies: Sequence[OutboundReply]) -> None:
        self.display(replies)
