"""The storage port implemented on SQLAlchemy: conversations, users, consent, transcripts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import delete, or_, select, text, update

from bot.core.cases import Delivery
from bot.core.records import Erasure, UserExport, UserRecord
from bot.core.state import Phase
from storage.cases import add_deliveries
from storage.conversation import SqlConversationSession, open_case_of
from storage.db import Database
from storage.locks import KeyedLocks, advisory_key
from storage.people import claim_message, email_key, load_user, now
from storage.privacy import erase_user, export_user, purge
from storage.tables import ConversationRow, OutboxRow, ProcessedMessageRow, UserRow


class SqlStorage:
    """The :class:`bot.core.ports.Storage` port on a :class:`storage.db.Database`."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._locks = KeyedLocks()

    @asynccontextmanager
    async def conversation(
        self, key: str, *, channel: str, lang: str
    ) -> AsyncIterator[SqlConversationSession]:
        """Lock, then load: in this process an asyncio lock, across processes the database's
        (PostgreSQL: an advisory lock for the transaction; SQLite: the write lock, taken by
        a first write before anything is read)."""
        async with self._locks.hold(key), self.database.sessions() as session:
            async with session.begin():
                if self.database.dialect == "postgresql":
                    await session.execute(
                        text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=advisory_key(key))
                    )
                else:
                    await session.execute(
                        update(ConversationRow).where(ConversationRow.key == key)
                        .values(lang=ConversationRow.lang)
                    )  # fmt: skip
                query = select(ConversationRow).where(ConversationRow.key == key)
                row = (await session.execute(query)).scalars().first()
                if row is None:
                    started = now()
                    row = ConversationRow(
                        key=key, channel=channel, phase=Phase.NEW.value, lang=lang,
                        created_at=started, updated_at=started,
                    )  # fmt: skip
                    session.add(row)
                    await session.flush()
                assert row.id is not None
                unit = SqlConversationSession(session, row, await open_case_of(session, row.id))
                yield unit
            if unit.erased:
                await self.database.forget_freed_pages()

    async def claim(self, channel: str, message_id: str, *, at: datetime) -> bool:
        """Mark a platform message id as handled outside any conversation; False if it was."""
        async with self.database.sessions() as session, session.begin():
            return await claim_message(session, channel, message_id, at=at)

    async def prune(self, *, handled_before: datetime, delivered_before: datetime) -> int:
        """Forget message ids handled long ago (retries come within minutes) and outbox
        rows delivered long ago; returns how many rows went."""
        async with self.database.sessions() as session, session.begin():
            ids = await session.execute(
                delete(ProcessedMessageRow).where(ProcessedMessageRow.processed_at < handled_before)
            )
            sent = await session.execute(
                delete(OutboxRow).where(
                    or_(
                        OutboxRow.delivered_at < delivered_before,
                        OutboxRow.failed_at < delivered_before,
                    )
                )
            )
            return int(ids.rowcount or 0) + int(sent.rowcount or 0)

    async def deliver_now(self, deliveries: Sequence[Delivery], *, at: datetime) -> None:
        """Store messages in the outbox outside any conversation (e.g. failure reports)."""
        async with self.database.sessions() as session, session.begin():
            add_deliveries(session, deliveries, case_id=None, at=at)

    async def users_by_email(self, email: str) -> list[UserRecord]:
        async with self.database.sessions() as session:
            query = select(UserRow).where(UserRow.email_key == email_key(email))
            rows = (await session.execute(query)).scalars().all()
            return [await load_user(session, row) for row in rows]

    async def export_user(self, user_id: int) -> UserExport:
        async with self.database.sessions() as session:
            return await export_user(session, user_id)

    async def erase_user(self, user_id: int, *, at: datetime, source: str) -> Erasure:
        async with self.database.sessions() as session, session.begin():
            erasure = await erase_user(session, user_id, at=at, source=source)
        await self.database.forget_freed_pages()
        return erasure

    async def purge(self, *, before: datetime, at: datetime, dry_run: bool) -> Erasure:
        async with self.database.sessions() as session:
            transaction = await session.begin()
            erasure = await purge(session, before=before, at=at, source="retention")
            if dry_run:
                await transaction.rollback()
                return erasure
            await transaction.commit()
        await self.database.forget_freed_pages()
        return erasure
