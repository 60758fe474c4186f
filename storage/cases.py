"""Cases, the agent queue and the outbox on SQLAlchemy.

Races are settled by conditional updates (``UPDATE … WHERE state = 'queued'``),
which are atomic on SQLite and PostgreSQL alike: of two agents taking one case,
exactly one row update succeeds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.cases import (
    OPEN_CASE_STATES,
    AlreadyHandled,
    CaseCard,
    CaseChange,
    CaseState,
    Delivery,
    Receipt,
    TakeResult,
)
from bot.core.codec import encode
from bot.core.contract import ReplyAddress
from bot.core.records import Direction, StoredMessage
from storage.db import Database
from storage.people import claim_message, message_digest
from storage.tables import CaseRow, InboxRow, MessageRow, OutboxRow, UserRow

SUMMARY_LENGTH = 140


def card_of(row: CaseRow, customer: str | None) -> CaseCard:
    assert row.id is not None
    summary = " ".join(row.description.split())
    if len(summary) > SUMMARY_LENGTH:
        summary = summary[: SUMMARY_LENGTH - 1].rstrip() + "…"
    return CaseCard(
        case_id=row.id,
        state=row.state,
        urgency=row.urgency,
        product=row.product,
        version=row.version,
        organisation=row.organisation_name,
        customer=customer,
        entitlement=row.entitlement,
        summary=summary,
        arrived_at=row.arrived_at,
        due_at=row.due_at,
        holder=row.holder,
        holder_name=row.holder_name,
        existing_reference=row.existing_reference,
        resolution=row.resolution,
    )


async def load_card(session: AsyncSession, case_id: int) -> CaseCard | None:
    found = (
        await session.execute(
            select(CaseRow, UserRow)
            .join(UserRow, UserRow.id == CaseRow.user_id)
            .where(CaseRow.id == case_id)
        )
    ).first()
    if found is None:
        return None
    case, user = found
    return card_of(case, user.name or user.email)


def address_key(address: ReplyAddress) -> str:
    """The recipient of an outbox row as a digest: rows to one recipient go in order."""
    return hashlib.sha256(f"{address.channel}\x1f{address.payload}".encode()).hexdigest()


def add_deliveries(
    session: AsyncSession, deliveries: Sequence[Delivery], *, case_id: int | None, at: datetime
) -> None:
    for delivery in deliveries:
        session.add(
            OutboxRow(
                channel=delivery.address.channel,
                address=delivery.address.payload,
                address_key=address_key(delivery.address),
                recipient=delivery.recipient.value,
                case_id=case_id,
                payload=encode(delivery.replies, delivery.event),
                created_at=at,
                next_attempt_at=at,
            )
        )


def queue_order() -> tuple[object, ...]:
    return (CaseRow.urgency, CaseRow.arrived_at, CaseRow.id)


async def queue_position(session: AsyncSession, case: CaseRow) -> int:
    """1 + the queued cases served before this one (urgency first, then arrival)."""
    ahead = (
        await session.execute(
            select(CaseRow.id).where(
                CaseRow.state == CaseState.QUEUED.value,
                CaseRow.id != case.id,
                (CaseRow.urgency < case.urgency)
                | and_(CaseRow.urgency == case.urgency, CaseRow.arrived_at < case.arrived_at)
                | and_(
                    CaseRow.urgency == case.urgency,
                    CaseRow.arrived_at == case.arrived_at,
                    CaseRow.id < case.id,
                ),
            )
        )
    ).all()
    return len(ahead) + 1


def _columns(change: CaseChange) -> dict[str, object]:
    """The case columns a desk command's change sets."""
    columns: dict[str, object] = {}
    if change.state is not None:
        columns["state"] = change.state.value
    if change.urgency is not None:
        columns["urgency"] = change.urgency
    if change.holder is not None:
        columns["holder"], columns["holder_name"] = change.holder
    if change.release:
        columns.update(holder=None, holder_name=None, taken_at=None)
    if change.closed_at is not None:
        columns["closed_at"] = change.closed_at
    if change.resolution is not None:
        columns["resolution"] = change.resolution
    return columns


async def _receive(session: AsyncSession, receipt: Receipt | None, at: datetime) -> None:
    """An agent's action is handled once: its inbox row is consumed and its message id
    claimed in the transaction of the change it causes."""
    if receipt is None:
        return
    if receipt.inbox_id is not None:  # its own row only: SQLite reuses a deleted last id
        mine = InboxRow.dedupe == message_digest(receipt.channel, receipt.message_id)
        await session.execute(delete(InboxRow).where(InboxRow.id == receipt.inbox_id, mine))
    if not await claim_message(session, receipt.channel, receipt.message_id, at=at):
        raise AlreadyHandled(receipt.message_id)


class SqlCases:
    """The :class:`bot.ports.Cases` port."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def queue(self) -> list[CaseCard]:
        async with self.database.sessions() as session:
            rows = (
                await session.execute(
                    select(CaseRow, UserRow)
                    .join(UserRow, UserRow.id == CaseRow.user_id)
                    .where(CaseRow.state.in_([s.value for s in OPEN_CASE_STATES]))
                    .order_by(*queue_order())
                )
            ).all()
            return [card_of(case, user.name or user.email) for case, user in rows]

    async def card(self, case_id: int) -> CaseCard | None:
        async with self.database.sessions() as session:
            return await load_card(session, case_id)

    async def customer(self, case_id: int) -> tuple[ReplyAddress, str, int] | None:
        async with self.database.sessions() as session:
            row = await session.get(CaseRow, case_id)
            if row is None:
                return None
            address = ReplyAddress(channel=row.customer_channel, payload=row.customer_address)
            return address, row.lang, row.user_id

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
        async with self.database.sessions() as session, session.begin():
            await _receive(session, receipt, at)
            taken = await session.execute(
                update(CaseRow)
                .where(CaseRow.id == case_id, CaseRow.state == CaseState.QUEUED.value)
                .values(state=CaseState.TAKEN.value, holder=agent, holder_name=name, taken_at=at)
            )
            card = await load_card(session, case_id)
            if not taken.rowcount or card is None:
                return TakeResult(
                    won=False,
                    card=card,
                    holder=card.holder if card else None,
                    holder_name=card.holder_name if card else None,
                )
            add_deliveries(session, deliveries(card), case_id=case_id, at=at)
            return TakeResult(won=True, card=card, holder=agent, holder_name=name)

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
        async with self.database.sessions() as session, session.begin():
            await _receive(session, receipt, at)
            condition = [
                CaseRow.id == case_id,
                CaseRow.state.in_([s.value for s in OPEN_CASE_STATES]),
            ]
            if agent:
                condition.append(CaseRow.holder == agent)
            columns = _columns(change)
            if columns:
                result = await session.execute(update(CaseRow).where(*condition).values(**columns))
                allowed = bool(result.rowcount)
            else:  # a reply or note changes no column; the holder check still applies
                allowed = (
                    await session.execute(select(CaseRow.id).where(*condition))
                ).first() is not None
            if not allowed:
                return None
            row = await session.get(CaseRow, case_id)
            assert row is not None
            await session.refresh(row)
            if log is not None:
                direction, text = log
                session.add(MessageRow(conversation_id=row.conversation_id, user_id=row.user_id,
                                       case_id=case_id, direction=direction.value, text=text,
                                       created_at=at))  # fmt: skip
            card = await load_card(session, case_id)
            assert card is not None
            add_deliveries(session, deliveries(card), case_id=case_id, at=at)
            return card

    async def claim_due_alerts(
        self,
        *,
        due_before: datetime,
        at: datetime,
        deliveries: Callable[[CaseCard], Sequence[Delivery]],
    ) -> int:
        async with self.database.sessions() as session, session.begin():
            candidates = (
                (
                    await session.execute(
                        select(CaseRow.id).where(
                            CaseRow.state == CaseState.QUEUED.value,
                            CaseRow.due_alert_sent_at.is_(None),
                            CaseRow.due_at <= due_before,
                        )
                    )
                )
                .scalars()
                .all()
            )
            sent = 0
            for case_id in candidates:
                claimed = await session.execute(
                    update(CaseRow)
                    .where(CaseRow.id == case_id, CaseRow.due_alert_sent_at.is_(None))
                    .values(due_alert_sent_at=at)
                )
                card = await load_card(session, case_id)
                if claimed.rowcount and card is not None:
                    add_deliveries(session, deliveries(card), case_id=case_id, at=at)
                    sent += 1
            return sent

    async def transcript(self, case_id: int) -> list[StoredMessage]:
        async with self.database.sessions() as session:
            rows = (
                (
                    await session.execute(
                        select(MessageRow)
                        .where(MessageRow.case_id == case_id)
                        .order_by(MessageRow.id)
                    )
                )
                .scalars()
                .all()
            )
            return [StoredMessage(at=m.created_at, direction=Direction(m.direction), text=m.text)
                    for m in rows]  # fmt: skip
