"""The one contract between the core and every chat channel.

Inbound message, outbound reply and the channel protocol side by side
(after Rasa's ``channel.py``). A channel that cannot draw buttons degrades
them to numbered lines through :func:`as_plain_text`, the one shared place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Button:
    """A choice the user can click; ``value`` comes back as ``InboundMessage.action``."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class ReplyAddress:
    """Where replies to a conversation go, long after the request that started it.

    ``payload`` is the channel's own JSON (a Slack channel and thread, a Bot
    Framework conversation reference); the core stores it and never reads it.
    """

    channel: str
    payload: str

    @classmethod
    def of(cls, channel: str, data: Mapping[str, object]) -> ReplyAddress:
        return cls(channel=channel, payload=json.dumps(data, sort_keys=True))

    def data(self) -> dict[str, object]:
        loaded = json.loads(self.payload)
        if not isinstance(loaded, dict):
            raise ValueError("a reply address payload must be a JSON object")
        return loaded


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text every database and log can hold: NUL and lone surrogates become U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


@dataclass(frozen=True, slots=True)
class Sender:
    """Who wrote. Name and email are what the channel knows cheaply, if anything."""

    id: str
    name: str | None = None
    email: str | None = None
    is_bot: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", clean_text(self.id))
        if self.name is not None:
            object.__setattr__(self, "name", clean_text(self.name))
        if self.email is not None:
            object.__setattr__(self, "email", clean_text(self.email).strip() or None)


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message or button click from a channel, in the core's terms."""

    channel: str
    conversation_id: str
    message_id: str
    sender: Sender
    address: ReplyAddress
    text: str = ""
    action: str | None = None
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # Only the user reads replies here (a DM, a terminal): personal data may be shown.
    private: bool = False
    # "turn" for a customer's message; a channel's own kind (an agent's thread reply, a
    # click on a case card) for what its desk handler does with it after storage.
    kind: str = "turn"

    def __post_init__(self) -> None:
        # Sanitised once, where text enters the core: the database, the logs and the
        # router never see a NUL or a lone surrogate. The ids too: a platform's never hold
        # one, but a signed request whose fields do must not fail where it is stored.
        for name in ("text", "conversation_id", "message_id"):
            object.__setattr__(self, name, clean_text(getattr(self, name)))
        if self.action is not None:
            object.__setattr__(self, "action", clean_text(self.action))


class ReplyKind(StrEnum):
    MESSAGE = "message"
    ANSWER = "answer"
    QUESTION = "question"
    NOTICE = "notice"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class OutboundReply:
    """A reply in plain text with optional buttons and links.

    Text is plain: paragraphs separated by blank lines, no channel markup;
    adapters render it (Slack mrkdwn, Teams markdown, the terminal as is).
    """

    text: str
    buttons: tuple[Button, ...] = ()
    links: tuple[Link, ...] = ()
    kind: ReplyKind = ReplyKind.MESSAGE
    # Shown only to this sender id (a private note in a shared thread), where the
    # platform can; elsewhere it is an ordinary reply.
    only_for: str | None = None


@runtime_checkable
class Channel(Protocol):
    """What the core needs of a channel to deliver replies later."""

    name: str

    async def send(self, address: ReplyAddress, replies: Sequence[OutboundReply]) -> None:
        """Deliver replies to an address; raise :class:`DeliveryError` if it cannot."""


@runtime_checkable
class IdentifiesSenders(Protocol):
    """A channel that can say who a sender is (name, email) beyond what a message carries."""

    async def identify(self, sender: Sender) -> Sender:
        """The sender with name and email filled in where the platform knows them; on any
        failure the sender as given (a failed lookup never drops a message)."""


@runtime_checkable
class IdentifiesInConversation(Protocol):
    """A channel whose member lookup needs the conversation (Teams asks the connector
    about a member *of a conversation*): it is given the whole message."""

    async def identify_in(self, message: InboundMessage) -> Sender:
        """As :meth:`IdentifiesSenders.identify`, knowing where the message was written."""


class DeliveryError(Exception):
    """A reply could not be delivered; ``permanent`` says whether retrying can help."""

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


def as_plain_text(replies: Sequence[OutboundReply]) -> list[str]:
    """One turn's replies for a channel that draws no buttons.

    Links become lines and buttons numbered choices, numbered across the whole
    turn so that :func:`pick_button` can map a typed number back to a value.
    """
    rendered: list[str] = []
    number = 0
    for reply in replies:
        parts = [reply.text.rstrip()]
        if reply.links:
            parts.append("\n".join(f"{link.title}: {link.url}" for link in reply.links))
        if reply.buttons:
            lines = []
            for button in reply.buttons:
                number += 1
                lines.append(f"  {number}. {button.label}")
            parts.append("\n".join(lines))
        rendered.append("\n\n".join(part for part in parts if part))
    return rendered


def pick_button(replies: Sequence[OutboundReply], typed: str) -> str | None:
    """The value of the button whose number the user typed after :func:`as_plain_text`."""
    buttons = [button for reply in replies for button in reply.buttons]
    choice = typed.strip().rstrip(".")
    if choice.isdigit() and 1 <= int(choice) <= len(buttons):
        return buttons[int(choice) - 1].value
    return None
