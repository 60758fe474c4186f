"""People: users and their consent, and the ids of messages already handled."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import ConsentRecord, UserRecord
from storage.tables import (
    ConsentRow,
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


def email_key(email: str | None) -> str | None:
    """An email folded for lookups the same way on SQLite and PostgreSQL."""
    return email.strip().casefold() if email and email.strip() else None
