"""The local channel: the terminal, and the channel the tests talk through.

Buttons degrade to numbered lines; typing a number clicks that button.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator, Sequence

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
        self._held: list[OutboundReply] | None = None

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
            # Unique across processes: a returning user's messages are never taken for
            # retries of an earlier session's.
            message_id=uuid.uuid4().hex,
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

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Replies sent meanwhile are shown together, numbered as one turn, at the end."""
        self._held = []
        try:
            yield
        finally:
            held, self._held = self._held, None
            if held:
                self.display(held)

    async def send(self, address: ReplyAddress, replies: Sequence[OutboundReply]) -> None:
        if self._held is not None:
            self._held.extend(replies)
        else:
            self.display(replies)
