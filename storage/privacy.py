"""What the privacy requests need of the database: export, erasure, retention, audit.

Every erasure and purge leaves one audit row that says when, which request and
how many rows went, and nothing about whom.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.cases import OPEN_CASE_STATES, CaseState
from bot.core.codec import decode
from bot.core.records import (
    CaseExport,
    Direction,
    Erasure,
    OutboxExport,
    PrivacyRequest,
    StoredMessage,
    UserExport,
)
from storage.people import consent_of, load_user
from storage.tables import (
    CaseRow,
    ConsentRow,
    ConversationRow,
    InboxRow,
    MessageRow,
    OutboxRow,
    PrivacyAuditRow,
    UserRow,
    WebPushRow,
)

_OPEN = [s.value for s in OPEN_CASE_STATES]


def _stored(m: MessageRow) -> StoredMessage:
    return StoredMessage(at=m.created_at, direction=Direction(m.direction), text=m.text)


async def _all(session: AsyncSession, query: Any) -> list[Any]:
    return list((await session.execute(query)).scalars().all())


async def export_user(session: AsyncSession, user_id: int) -> UserExport:
    """Everything stored about the user: consents, transcripts, cases with every note,
    and the messages waiting for or already delivered to them."""
    user = await session.get(UserRow, user_id)
    if user is None:
        raise LookupError(f"no user {user_id}")
    consents = await _all(
        session, select(ConsentRow).where(ConsentRow.user_id == user_id).order_by(ConsentRow.id)
    )
    conversations = (
        await session.execute(
            select(func.count()).select_from(ConversationRow)
            .where(ConversationRow.user_id == user_id)
        )
    ).scalar_one()  # fmt: skip
    messages = await _all(
        session, select(MessageRow).where(MessageRow.user_id == user_id).order_by(MessageRow.id)
    )
    cases = await _all(
        session, select(CaseRow).where(CaseRow.user_id == user_id).order_by(CaseRow.id)
    )
    exported = []
    for case in cases:
        transcript = await _all(
            session,
            select(MessageRow).where(MessageRow.case_id == case.id).order_by(MessageRow.id),
        )
        assert case.id is not None
        exported.append(CaseExport(
            id=case.id, product=case.product, version=case.version, urgency=case.urgency,
            state=case.state, organisation=case.organisation_name, description=case.description,
            arrived_at=case.arrived_at, closed_at=case.closed_at, resolution=case.resolution,
            transcript=tuple(_stored(m) for m in transcript),
        ))  # fmt: skip
    outbox = await _all(
        session, select(OutboxRow).where(_outbox_of(user_id)).order_by(OutboxRow.id)
    )
    return UserExport(
        user=await load_user(session, user),
        consents=tuple(consent_of(c) for c in consents),
        conversations=int(conversations),
        messages=tuple(_stored(m) for m in messages),
        cases=tuple(exported),
        outbox=tuple(_outbox_export(row) for row in outbox),
    )


def _outbox_export(row: OutboxRow) -> OutboxExport:
    replies, event = decode(row.payload)
    texts = tuple(r.text for r in replies) + (event.lines if event else ())
    return OutboxExport(at=row.created_at, channel=row.channel, recipient=row.recipient,
                        delivered=row.delivered_at is not None, texts=texts)  # fmt: skip


def _outbox_of(user_id: int) -> Any:
    case_ids = select(CaseRow.id).where(CaseRow.user_id == user_id)
    addresses = select(ConversationRow.address).where(
        ConversationRow.user_id == user_id, ConversationRow.address.is_not(None)
    )
    return or_(OutboxRow.case_id.in_(case_ids), OutboxRow.address.in_(addresses))


async def audit(
    session: AsyncSession, request: PrivacyRequest, *, source: str, rows: int, at: datetime
) -> None:
    session.add(PrivacyAuditRow(at=at, request=request.value, source=source, rows=rows))
    await session.flush()


async def erase_user(session: AsyncSession, user_id: int, *, at: datetime, source: str) -> Erasure:
    """Delete the user and everything that carries their id, name, email or words: their
    conversations' waiting messages, outbox rows, transcripts, cases, consents."""
    found = await session.execute(select(CaseRow.id).where(CaseRow.user_id == user_id))
    cases = [int(c) for c in found.scalars()]
    conversations = select(ConversationRow.id).where(ConversationRow.user_id == user_id)
    keys = select(ConversationRow.key).where(ConversationRow.user_id == user_id)
    statements = (
        delete(InboxRow).where(InboxRow.conversation_key.in_(keys)),
        delete(OutboxRow).where(_outbox_of(user_id)),
        delete(WebPushRow).where(WebPushRow.address.in_(  # type: ignore[attr-defined]
            select(ConversationRow.address).where(ConversationRow.user_id == user_id))),
        delete(MessageRow).where(
            or_(MessageRow.user_id == user_id, MessageRow.conversation_id.in_(conversations),
                MessageRow.case_id.in_(cases))
        ),
        delete(CaseRow).where(CaseRow.user_id == user_id),
        delete(ConversationRow).where(ConversationRow.user_id == user_id),
        delete(ConsentRow).where(ConsentRow.user_id == user_id),
        delete(UserRow).where(UserRow.id == user_id),
    )
    rows = 0
    for statement in statements:
        rows += int((await session.execute(statement)).rowcount or 0)
    await audit(session, PrivacyRequest.ERASE, source=source, rows=rows, at=at)
    return Erasure(rows=rows, cases=tuple(cases))


async def purge(session: AsyncSession, *, before: datetime, at: datetime, source: str) -> Erasure:
    """Retention: what has not been used since ``before`` goes. Closed cases (with their
    transcripts and outbox rows), transcripts outside open cases, idle conversations,
    and users not seen since, unless a case of theirs is still open."""
    open_users = select(CaseRow.user_id).where(CaseRow.state.in_(_OPEN))
    open_cases = select(CaseRow.id).where(CaseRow.state.in_(_OPEN))
    cases = [
        int(c) for c in (await session.execute(
            select(CaseRow.id).where(CaseRow.state == CaseState.CLOSED.value,
                                     CaseRow.closed_at < before)
        )).scalars()
    ]  # fmt: skip
    idle = select(ConversationRow.id).where(
        ConversationRow.updated_at < before,
        ConversationRow.id.not_in(
            select(CaseRow.conversation_id).where(
                CaseRow.state.in_(_OPEN), CaseRow.conversation_id.is_not(None)
            )
        ),
    )
    statements = (
        delete(OutboxRow).where(OutboxRow.case_id.in_(cases)),
        delete(MessageRow).where(MessageRow.case_id.in_(cases)),
        delete(CaseRow).where(CaseRow.id.in_(cases)),
        delete(MessageRow).where(
            MessageRow.created_at < before,
            or_(MessageRow.case_id.is_(None), MessageRow.case_id.not_in(open_cases)),
        ),
        delete(ConversationRow).where(ConversationRow.id.in_(idle)),
        delete(UserRow).where(
            or_(UserRow.last_seen_at < before,
                UserRow.last_seen_at.is_(None) & (UserRow.created_at < before)),
            UserRow.id.not_in(open_users),
        ),
    )
    rows = 0
    for statement in statements:
        rows += int((await session.execute(statement)).rowcount or 0)
    if rows:  # an hourly purge that found nothing is not worth a record
        await audit(session, PrivacyRequest.PURGE, source=source, rows=rows, at=at)
    return Erasure(rows=rows, cases=tuple(cases))
