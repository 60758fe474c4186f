"""What the core needs of storage (and of the customer register), as protocols.

The engine and handlers depend on these; :mod:`storage` implements them and
the composition root wires the two together. The records they pass are in
:mod:`bot.core.records`, :mod:`bot.core.cases` and :mod:`bot.core.register`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from typing import Protocol

from bot.core.cases import (
    CaseCard,
    CaseChange,
    Delivery,
    InboxItem,
    NewCase,
    OpenCase,
    OutboxItem,
    Receipt,
    TakeResult,
)
from bot.core.contract import InboundMessage, ReplyAddress, Sender
from bot.core.records import Direction, Erasure, StoredMessage, UserExport, UserRecord
from bot.core.register import (
    Entitlement,
    ImportReport,
    OrganisationRecord,
    OrganisationSummary,
)
from bot.core.state import ConversationState


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

    async def open_cases_of(self, user_id: int) -> list[int]:
        """The user's cases that are queued or taken, in any conversation."""

    async def end_case(
        self,
        case_id: int,
        *,
        at: datetime,
        resolution: str,
        announce: Callable[[CaseCard], Sequence[Delivery]],
    ) -> CaseCard | None:
        """Close an open case for the customer's own reason (consent withdrawn) and tell
        the agents, atomically; None if it was no longer open."""


class ConversationSession(CaseSession, Protocol):
    """One conversation's unit of work, taken under its lock; commits on clean exit."""

    @property
    def state(self) -> ConversationState:
        """The state as last saved: phase, language, owner, draft. Storage decides no
        phase; the case below is the engine's to interpret (bot/engine/phases.py)."""

    @property
    def case(self) -> OpenCase | None:
        """The conversation's case while it is queued or taken, as the cases table says."""

    async def consume(self, inbox_id: int, message: InboundMessage) -> None:
        """Delete the inbox row this turn serves (row ``inbox_id`` if it still holds
        ``message``: an id can be reused once its row is gone), in the turn's transaction."""

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

    async def withdraw_consent(self, user_id: int, at: datetime) -> bool:
        """Withdraw every active consent of the user; True if there was one."""

    async def seen(self, user_id: int, sender: Sender, at: datetime) -> UserRecord:
        """A consented user's turn: refresh the name and email the platform now gives
        (a lookup that failed at consent heals) and when they were last seen."""

    async def attach(self, user_id: int, address: ReplyAddress) -> None:
        """Make this conversation the (consented) user's, with its reply address."""

    async def log(self, *, user_id: int, direction: Direction, text: str, at: datetime) -> None:
        """Add a message to this conversation's stored transcript (only ever after consent)."""

    async def export(self, user_id: int) -> UserExport: ...

    async def erase(self, user_id: int, *, at: datetime, source: str) -> Erasure:
        """Delete every row that holds the user's id, name, email or messages, and leave
        an audit record without personal data; this conversation stays, bare."""


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

    async def erase_user(self, user_id: int, *, at: datetime, source: str) -> Erasure:
        """As :meth:`ConversationSession.erase`, outside any conversation."""

    async def purge(self, *, before: datetime, at: datetime, dry_run: bool) -> Erasure:
        """Retention: delete closed cases, transcripts, idle conversations and users not
        seen since ``before`` (with an audit record); ``dry_run`` only counts."""


class Inbox(Protocol):
    """Inbound messages stored before they are acknowledged, taken by workers."""

    async def accept(self, message: InboundMessage, *, conversation_key: str) -> bool:
        """Store the message; False if the same delivery is already stored (a retry)."""

    async def claim(self, *, at: datetime, lease_seconds: float, limit: int) -> list[InboxItem]:
        """Lease the oldest waiting message of conversations with none in progress."""

    async def postpone(
        self, item_id: int, message: InboundMessage, *, until: datetime, error: str
    ) -> None:
        """Offer the row again later, if it still holds ``message`` (ids can be reused)."""

    async def drop(self, item_id: int, message: InboundMessage) -> None:
        """Delete the row, if it still holds ``message`` (ids can be reused)."""

    async def depth(self, at: datetime) -> tuple[int, float]:
        """How many messages wait, and the age in seconds of the oldest."""


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
        receipt: Receipt | None = None,
    ) -> TakeResult:
        """Give the case to the agent unless someone holds it; exactly one racer wins.
        With a receipt, raises AlreadyHandled for a redelivered action."""

    async def change(
        self,
        case_id: int,
        *,
        agent: str,
        at: datetime,
        change: CaseChange,
        log: tuple[Direction, str] | None,
        deliveries: Callable[[CaseCard], Sequence[Delivery]],
        receipt: Receipt | None = None,
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


class CustomerRegister(Protocol):
    """The customer register as the hand-over sees it."""

    async def check(self, email: str, product: str, today: date) -> Entitlement:
        """The entitlement of ``email`` for ``product`` (any of its names) on ``today``;
        raises UnknownProductError for a product the catalogue does not know."""
        ...


class RegisterStore(Protocol):
    """The customer register's facts as stored; every call is its own transaction."""

    async def organisation_for(
        self, domain: str, product: str
    ) -> tuple[int, OrganisationRecord] | None:
        """The organisation listing ``domain`` with its terms for ``product`` only."""

    async def import_records(self, records: Sequence[OrganisationRecord]) -> ImportReport:
        """Replace the listed organisations' facts in one transaction (all or nothing);
        raises RegisterConflictError if a domain belongs to an organisation not listed."""

    async def import_if_empty(self, records: Sequence[OrganisationRecord]) -> bool:
        """Import only into an empty register (once across processes); True if it did."""

    async def organisations(self) -> list[OrganisationSummary]: ...

    async def is_empty(self) -> bool: ...


class ChannelMarks(Protocol):
    """A channel's own ids that any process must find again (a Teams case card's activity
    id, the case a thread belongs to); platform ids only, never personal data."""

    async def put_mark(self, channel: str, key: str, value: str, *, at: datetime) -> bool:
        """Remember ``key`` → ``value`` unless it is already known; True if this call did."""

    async def mark(self, channel: str, key: str) -> str | None: ...

    async def marks_under(self, channel: str, prefix: str) -> dict[str, str]:
        """Every mark whose key starts with ``prefix`` (a case's thread posts)."""

    async def drop_marks(self, channel: str, keys: Sequence[str]) -> None: ...
