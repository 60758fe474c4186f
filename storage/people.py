"""People: users, their consent, and what the privacy requests need (export, erasure)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import ConsentRecord, Direction, StoredMessage, UserExport, UserRecord
from storage.tables import (
    CaseRow,
    ConsentRow,
    ConversationRow,
    MessageRow,
    OutboxRow,
    ProcessedMessageRow,
    UserRow,
)


def now() -> datetime:
    return datetime.now(UTC)


def consent_of(row: ConsentRow) -> ConsentRecord:
    return ConsentRecord(
        text_version=row.text_version,
        text_fingerprint=row.text_fingerprint,
        lang=row.lang,
        given_at=row.given_at,
        withdrawn_at=row.withdrawn_at,
    )


def message_digest(channel: str, message_id: str) -> str:
    """What is stored of a platform message id: a digest, never the id itself (a
    terminal's ids carry the user's email; Slack's name the channel)."""
    return hashlib.sha256(f"{channel}\x1f{message_id}".encode()).hexdigest()


async def claim_message(
    session: AsyncSession, channel: str, message_id: str, *, at: datetime
) -> bool:
    """Record a message id as handled; False if it was already (a retry or a duplicate)."""
    return await insert_ignoring_conflict(
        session,
        ProcessedMessageRow,
        {"channel": channel, "message_id": message_digest(channel, message_id), "processed_at": at},
    )


async def insert_ignoring_conflict(
    session: AsyncSession, table: Any, values: dict[str, Any]
) -> bool:
    """Insert a row unless a unique key already has it; True if this call inserted it."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    result = await session.execute(insert(table).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)


async def load_user(session: AsyncSession, user: UserRow) -> UserRecord:
    latest = (
        (
            await session.execute(
                select(ConsentRow)
                .where(ConsentRow.user_id == user.id)
                .order_by(ConsentRow.given_at.desc(), ConsentRow.id.desc())
                .limit(1)
            )
        )
        .scalars()
        .first()
    )
    assert user.id is not None
    return UserRecord(
        id=user.id,
        channel=user.channel,
        external_id=user.external_id,
        name=user.name,
        email=user.email,
        consent=consent_of(latest) if latest else None,
    )


async def export_user(session: AsyncSession, user_id: int) -> UserExport:
    user = await session.get(UserRow, user_id)
    if user is None:
        raise LookupError(f"no user {user_id}")
    consents = (
        (
            await session.execute(
                select(ConsentRow).where(ConsentRow.user_id == user_id).order_by(ConsentRow.id)
            )
        )
        .scalars()
        .all()
    )
    conversations = (
        await session.execute(
            select(func.count())
            .select_from(ConversationRow)
            .where(ConversationRow.user_id == user_id)
        )
    ).scalar_one()
    messages = (
        (
            await session.execute(
                select(MessageRow).where(MessageRow.user_id == user_id).order_by(MessageRow.id)
            )
        )
        .scalars()
        .all()
    )
    return UserExport(
        user=await load_user(session, user),
        consents=tuple(consent_of(c) for c in consents),
        conversations=int(conversations),
        messages=tuple(
            StoredMessage(at=m.created_at, direction=Direction(m.direction), text=m.text)
            for m in messages
        ),
    )


async def erase_user(session: AsyncSession, user_id: int) -> None:
    """Delete the user and everything that carries their id, name, email or words."""
    conversation_ids = select(ConversationRow.id).where(ConversationRow.user_id == user_id)
    case_ids = select(CaseRow.id).where(CaseRow.user_id == user_id)
    addresses = select(ConversationRow.address).where(
        ConversationRow.user_id == user_id, ConversationRow.address.is_not(None)
    )
    await session.execute(
        delete(OutboxRow).where(
            or_(OutboxRow.case_id.in_(case_ids), OutboxRow.address.in_(addresses))
        )
    )
    await session.execute(
        delete(MessageRow).where(
            or_(MessageRow.user_id == user_id, MessageRow.conversation_id.in_(conversation_ids))
        )
    )
    await session.execute(delete(CaseRow).where(CaseRow.user_id == user_id))
    await session.execute(delete(ConversationRow).where(ConversationRow.user_id == user_id))
    await session.execute(delete(ConsentRow).where(ConsentRow.user_id == user_id))
    await session.execute(delete(UserRow).where(UserRow.id == user_id))
