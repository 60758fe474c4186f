"""What the core needs of storage, as protocols and plain records.

The engine and handlers depend on these; :mod:`storage` implements them and
the composition root wires the two together.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.contract import ReplyAddress, Sender
from bot.state import ConversationState


class Direction(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    text_version: str
    text_fingerprint: str
    lang: str
    given_at: datetime
    withdrawn_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    channel: str
    external_id: str
    name: str | None
    email: str | None
    consent: ConsentRecord | None

    @property
    def consented(self) -> bool:
        return self.consent is not None and self.consent.active


@dataclass(frozen=True, slots=True)
class StoredMessage:
    at: datetime
    direction: Direction
    text: str


@dataclass(frozen=True, slots=True)
class UserExport:
    """Everything stored about one user, as the privacy export shows it."""

    user: UserRecord
    consents: tuple[ConsentRecord, ...]
    conversations: int
    messages: tuple[StoredMessage, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "user": {
                "channel": self.user.channel,
                "id": self.user.external_id,
                "name": self.user.name,
                "email": self.user.email,
            },
            "consents": [
                {
                    "text_version": c.text_version,
                    "text_fingerprint": c.text_fingerprint,
                    "lang": c.lang,
                    "given_at": c.given_at.isoformat(),
                    "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
                }
                for c in self.consents
            ],
            "conversations": self.conversations,
            "messages": [
                {"at": m.at.isoformat(), "direction": m.direction.value, "text": m.text}
                for m in self.messages
            ],
        }


class ConversationSession(Protocol):
    """One conversation's unit of work, taken under its lock; commits on clean exit."""

    @property
    def state(self) -> ConversationState: ...

    async def claim(self, channel: str, message_id: str) -> bool:
        """Mark a message id as handled; False if it was handled before (a retry)."""

    async def save(self, state: ConversationState) -> None: ...

    async def user(self, channel: str, external_id: str) -> UserRecord | None:
        """The stored user for a channel identity, if one was ever stored (after consent)."""

    async def record_consent(
        self,
        *,
        sender: Sender,
        address: ReplyAddress,
        text_version: str,
        text_fingerprint: str,
        lang: str,
        at: datetime,
    ) -> UserRecord:
        """Store the user, the consent as shown, and attach this conversation to them."""

    async def withdraw_consent(self, user_id: int, at: datetime) -> None: ...

    async def log(self, *, user_id: int, direction: Direction, text: str, at: datetime) -> None:
        """Add a message to this conversation's stored transcript (only ever after consent)."""

    async def export(self, user_id: int) -> UserExport: ...

    async def erase(self, user_id: int) -> None:
        """Delete every row that holds the user's id, name, email or messages."""


class Storage(Protocol):
    def conversation(
        self, key: str, *, channel: str, lang: str
    ) -> AbstractAsyncContextManager[ConversationSession]:
        """Lock the conversation, then load (or create) its state."""

    async def users_by_email(self, email: str) -> list[UserRecord]: ...

    async def export_user(self, user_id: int) -> UserExport: ...

    async def erase_user(self, user_id: int) -> None: ...
