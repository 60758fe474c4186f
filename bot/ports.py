"""What the core needs of storage, as protocols and plain records.

The engine and handlers depend on these; :mod:`storage` implements them and
the composition root wires the two together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.contract import CaseCard, DeskEvent, OutboundReply, ReplyAddress, Sender
from bot.state import CaseState, ConversationState


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


# --- The hand-over ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewCase:
    """Everything a case is opened with; the engine fills it from the draft."""

    user_id: int
    organisation_id: int | None
    organisation_name: str | None
    entitlement: str
    product: str
    version: str | None
    urgency: int
    description: str
    existing_reference: str | None
    lang: str
    customer_channel: str
    customer_address: ReplyAddress
    arrived_at: datetime
    due_at: datetime


@dataclass(frozen=True, slots=True)
class CaseChange:
    """What a desk command changes on a case; fields left unset stay as they are."""

    state: CaseState | None = None
    urgency: int | None = None
    holder: tuple[str, str] | None = None  # (email, name) of the agent taking over
    release: bool = False  # back to the queue: nobody holds it
    closed_at: datetime | None = None
    resolution: str | None = None


class Recipient(StrEnum):
    CUSTOMER = "customer"
    AGENTS = "agents"


@dataclass(frozen=True, slots=True)
class Delivery:
    """A message to store in the outbox, for a customer or an agent surface."""

    address: ReplyAddress
    recipient: Recipient
    replies: tuple[OutboundReply, ...] = ()
    event: DeskEvent | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    address: ReplyAddress
    attempts: int
    replies: tuple[OutboundReply, ...]
    event: DeskEvent | None


@dataclass(frozen=True, slots=True)
class TakeResult:
    won: bool
    card: CaseCard | None
    holder: str | None = None
    holder_name: str | None = None


class CaseSession(Protocol):
    """The hand-over's part of a conversation's unit of work."""

    async def open_case(
        self, case: NewCase, *, announce: Callable[[CaseCard], Sequence[Delivery]]
    ) -> tuple[CaseCard, int]:
        """Store the case with the transcript so far and the agents' alerts, atomically;
        returns its card and its place in the queue."""

    async def deliver(
        self, deliveries: Sequence[Delivery], *, case_id: int | None, at: datetime
    ) -> None:
        """Store messages in the outbox, in this conversation's transaction."""

    async def case_card(self, case_id: int) -> CaseCard | None: ...

    async def pending_transcript(self) -> list[StoredMessage]:
        """This conversation's stored messages that no case has taken yet."""


class ConversationSession(CaseSession, Protocol):
    """One conversation's unit of work, taken under its lock; commits on clean exit."""

    @property
    def state(self) -> ConversationState: ...

    async def claim(self, channel: str, message_id: str, *, at: datetime) -> bool:
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

    async def attach(self, user_id: int, address: ReplyAddress) -> None:
        """Make this conversation the (consented) user's, with its reply address."""

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

    async def claim(self, channel: str, message_id: str, *, at: datetime) -> bool:
        """Mark a message id handled outside a conversation (e.g. an agent's thread post)."""

    async def deliver_now(self, deliveries: Sequence[Delivery], *, at: datetime) -> None:
        """Store messages in the outbox in their own transaction."""

    async def users_by_email(self, email: str) -> list[UserRecord]: ...

    async def export_user(self, user_id: int) -> UserExport: ...

    async def erase_user(self, user_id: int) -> None: ...


class Cases(Protocol):
    """The agents' side of cases; every call is its own transaction."""

    async def queue(self) -> list[CaseCard]:
        """Open cases (queued and taken) by urgency, then arrival."""

    async def card(self, case_id: int) -> CaseCard | None: ...

    async def customer(self, case_id: int) -> tuple[ReplyAddress, str, int] | None:
        """The customer's reply address, language and user id for a case."""

    async def take(
        self,
        case_id: int,
        *,
        agent: str,
        name: str,
        at: datetime,
        deliveries: Callable[[CaseCard], Sequence[Delivery]],
    ) -> TakeResult:
        """Give the case to the agent unless someone holds it; exactly one racer wins."""

    async def change(
        self,
        case_id: int,
        *,
        agent: str,
        at: datetime,
        change: CaseChange,
        log: tuple[Direction, str] | None,
        deliveries: Callable[[CaseCard], Sequence[Delivery]],
    ) -> CaseCard | None:
        """Change a case the agent holds (or any open case when ``agent`` is empty),
        log to its transcript and store the resulting messages, in one transaction."""

    async def claim_due_alerts(
        self,
        *,
        due_before: datetime,
        at: datetime,
        deliveries: Callable[[CaseCard], Sequence[Delivery]],
    ) -> int:
        """Mark queued cases whose target is near as alerted, once across processes."""

    async def transcript(self, case_id: int) -> list[StoredMessage]: ...


class Outbox(Protocol):
    async def claim(
        self,
        channel: str,
        *,
        address: str | None,
        at: datetime,
        lease_seconds: float,
        limit: int = 20,
    ) -> list[OutboxItem]:
        """Lease due undelivered items, so no other process delivers them meanwhile."""

    async def delivered(self, item_id: int, at: datetime) -> None: ...

    async def retry(self, item_id: int, *, at: datetime, error: str) -> None: ...

    async def failed(self, item_id: int, *, at: datetime, error: str) -> None: ...

    async def pending(self) -> int: ...
