"""Cases as the agents see them, and the messages cases cause (the outbox's items)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Protocol, runtime_checkable

from bot.core.contract import InboundMessage, OutboundReply, ReplyAddress


class Urgency(IntEnum):
    """Urgency levels; the queue serves lower numbers first (service description 1.5)."""

    PRODUCTION_STOPPED = 1
    SERIOUSLY_HINDERED = 2
    NORMAL = 3
    QUESTION = 4


class CaseState(StrEnum):
    QUEUED = "queued"
    TAKEN = "taken"
    RETURNED = "returned"
    CLOSED = "closed"


OPEN_CASE_STATES = (CaseState.QUEUED, CaseState.TAKEN)


@dataclass(frozen=True, slots=True)
class OpenCase:
    """The conversation's case while it is queued or held by an agent."""

    id: int
    state: CaseState
    holder: str | None = None
    holder_name: str | None = None


@dataclass(frozen=True, slots=True)
class CaseCard:
    """The agents' view of one case, as any agent surface draws it."""

    case_id: int
    state: str
    urgency: int
    product: str
    version: str | None
    organisation: str | None
    customer: str | None
    entitlement: str
    summary: str
    arrived_at: datetime
    due_at: datetime
    holder: str | None = None
    holder_name: str | None = None
    existing_reference: str | None = None
    resolution: str | None = None


class DeskEventKind(StrEnum):
    CASE_OPENED = "case_opened"
    CASE_CHANGED = "case_changed"
    CUSTOMER_SAID = "customer_said"
    DUE_SOON = "due_soon"
    NOTICE = "notice"
    # The customer had the case erased: surfaces delete every copy they drew of it.
    CASE_ERASED = "case_erased"


def erased_card(case_id: int, at: datetime) -> CaseCard:
    """A card that names only the case: what an erasure notice may carry."""
    return CaseCard(
        case_id=case_id, state=CaseState.CLOSED.value, urgency=Urgency.NORMAL, product="",
        version=None, organisation=None, customer=None, entitlement="", summary="",
        arrived_at=at, due_at=at,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class DeskEvent:
    """Something agents must see: a new or changed case, a customer's words, an alert.

    ``lines`` are ready-made texts in the agents' language (the transcript of a
    new case, the customer's message, the alert); the card says which case.
    """

    kind: DeskEventKind
    card: CaseCard
    lines: tuple[str, ...] = ()


@runtime_checkable
class AgentSurface(Protocol):
    """A channel that draws desk events natively (Slack's agents' channel, say)."""

    async def show(self, address: ReplyAddress, event: DeskEvent) -> None:
        """Draw the event; raise :class:`DeliveryError` if it cannot be drawn now."""


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




@dataclass(frozen=True, slots=True)
class InboxItem:
    """A stored inbound message leased to one worker."""

    id: int
    message: InboundMessage
    conversation_key: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Receipt:
    """How an agent's action arrived: its platform message id (handled once, in the same
    transaction as the change it causes), the inbox row that held it (consumed in that
    transaction too), and where the agent's confirmation goes (through the outbox,
    shown only to ``agent_id`` where the platform can)."""

    channel: str
    message_id: str
    inbox_id: int | None = None
    answer_to: ReplyAddress | None = None
    agent_id: str | None = None


class AlreadyHandled(Exception):
    """The action's message id was handled before: a redelivery, changed nothing."""
