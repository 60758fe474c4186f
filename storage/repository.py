"""The storage port implemented on SQLAlchemy: conversations, users, consent, transcripts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.contract import ReplyAddress, Sender
from bot.ports import (
    ConsentRecord,
    Direction,
    StoredMessage,
    UserExport,
    UserRecord,
)
from bot.state import ConversationState, Phase
from storage.db import Database
from storage.locks import KeyedLocks, advisory_key
from storage.tables import ConsentRow, ConversationRow, MessageRow, ProcessedMessageRow, UserRow


def _now() -> datetime:
    return datetime.now(UTC)


def _consent(row: ConsentRow) -> ConsentRecord:
    return ConsentRecord(
        text_version=row.text_version,
        text_fingerprint=row.text_fingerprint,
        lang=row.lang,
        given_at=row.given_at,
        withdrawn_at=row.withdrawn_at,
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
        consent=_consent(latest) if latest else None,
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
        consents=tuple(_consent(c) for c in consents),
        conversations=int(conversations),
        messages=tuple(
            StoredMessage(at=m.created_at, direction=Direction(m.direction), text=m.text)
            for m in messages
        ),
    )


async def erase_user(session: AsyncSession, user_id: int) -> None:
    """Delete the user and everything that carries their id, name, email or words."""
    conversation_ids = select(ConversationRow.id).where(ConversationRow.user_id == user_id)
    await session.execute(
        delete(MessageRow).where(
            or_(MessageRow.user_id == user_id, MessageRow.conversation_id.in_(conversation_ids))
        )
    )
    await session.execute(delete(ConversationRow).where(ConversationRow.user_id == user_id))
    await session.execute(delete(ConsentRow).where(ConsentRow.user_id == user_id))
    await session.execute(delete(UserRow).where(UserRow.id == user_id))


class SqlConversationSession:
    """One conversation's unit of work inside one database transaction."""

    def __init__(self, session: AsyncSession, row: ConversationRow) -> None:
        self._session = session
        self._row = row

    @property
    def state(self) -> ConversationState:
        return ConversationState(
            key=self._row.key,
            channel=self._row.channel,
            phase=Phase(self._row.phase),
            lang=self._row.lang,
            handover_pending=self._row.handover_pending,
        )

    @property
    def conversation_id(self) -> int:
        assert self._row.id is not None
        return self._row.id

    async def claim(self, channel: str, message_id: str) -> bool:
        return await insert_ignoring_conflict(
            self._session,
            ProcessedMessageRow,
            {"channel": channel, "message_id": message_id, "processed_at": _now()},
        )

    async def save(self, state: ConversationState) -> None:
        self._row.phase = state.phase.value
        self._row.lang = state.lang
        self._row.handover_pending = state.handover_pending
        self._row.updated_at = _now()
        self._session.add(self._row)
        await self._session.flush()

    async def user(self, channel: str, external_id: str) -> UserRecord | None:
        row = (
            (
                await self._session.execute(
                    select(UserRow).where(
                        UserRow.channel == channel, UserRow.external_id == external_id
                    )
                )
            )
            .scalars()
            .first()
        )
        return await load_user(self._session, row) if row else None

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
        row = (
            (
                await self._session.execute(
                    select(UserRow).where(
                        UserRow.channel == address.channel, UserRow.external_id == sender.id
                    )
                )
            )
            .scalars()
            .first()
        )
        if row is None:
            row = UserRow(channel=address.channel, external_id=sender.id, created_at=at)
        row.name = sender.name or row.name
        row.email = sender.email or row.email
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        self._session.add(
            ConsentRow(
                user_id=row.id,
                text_version=text_version,
                text_fingerprint=text_fingerprint,
                lang=lang,
                given_at=at,
            )
        )
        self._row.user_id = row.id
        self._row.address = address.payload
        self._session.add(self._row)
        await self._session.flush()
        return await load_user(self._session, row)

    async def withdraw_consent(self, user_id: int, at: datetime) -> None:
        consents = (
            (
                await self._session.execute(
                    select(ConsentRow).where(
                        ConsentRow.user_id == user_id, ConsentRow.withdrawn_at.is_(None)
                    )
                )
            )
            .scalars()
            .all()
        )
        for consent in consents:
            consent.withdrawn_at = at
            self._session.add(consent)
        await self._session.flush()

    async def log(self, *, user_id: int, direction: Direction, text: str, at: datetime) -> None:
        self._session.add(
            MessageRow(
                conversation_id=self.conversation_id,
                user_id=user_id,
                direction=direction.value,
                text=text,
                created_at=at,
            )
        )
        await self._session.flush()

    async def export(self, user_id: int) -> UserExport:
        return await export_user(self._session, user_id)

    async def erase(self, user_id: int) -> None:
        await erase_user(self._session, user_id)
        # This conversation's row went with the user's conversations; keep a bare one
        # (key and phase only) so the rest of the turn can still save its phase.
        fresh = ConversationRow(
            key=self._row.key,
            channel=self._row.channel,
            phase=self._row.phase,
            lang=self._row.lang,
            created_at=_now(),
            updated_at=_now(),
        )
        self._session.expunge_all()
        self._session.add(fresh)
        await self._session.flush()
        self._row = fresh


class SqlStorage:
    """The :class:`bot.ports.Storage` port on a :class:`storage.db.Database`."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._locks = KeyedLocks()

    @asynccontextmanager
    async def conversation(
        self, key: str, *, channel: str, lang: str
    ) -> AsyncIterator[SqlConversationSession]:
        async with self._locks.hold(key), self.database.sessions() as session, session.begin():
            if self.database.dialect == "postgresql":
                await session.execute(
                    text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=advisory_key(key))
                )
            row = (
                (await session.execute(select(ConversationRow).where(ConversationRow.key == key)))
                .scalars()
                .first()
            )
            if row is None:
                now = _now()
                row = ConversationRow(
                    key=key,
                    channel=channel,
                    phase=Phase.NEW.value,
                    lang=lang,
                    created_at=now,
                    updated_at=now,
                )
                session.add(row)
                await session.flush()
            yield SqlConversationSession(session, row)

    async def users_by_email(self, email: str) -> list[UserRecord]:
        async with self.database.sessions() as session:
            rows = (
                (
                    await session.execute(
                        select(UserRow).where(func.lower(UserRow.email) == email.strip().lower())
                    )
                )
                .scalars()
                .all()
            )
            return [await load_user(session, row) for row in rows]

    async def export_user(self, user_id: int) -> UserExport:
        async with self.database.sessions() as session:
            return await export_user(session, user_id)

    async def erase_user(self, user_id: int) -> None:
        async with self.database.sessions() as session, session.begin():
            await erase_user(session, user_id)
