"""The inbox on SQLAlchemy: inbound messages stored before they are acknowledged.

A worker leases the oldest waiting message of a conversation that has no message
in progress, so one conversation's messages are handled one at a time and in
order, by whichever process is free. The turn deletes the row in its own
transaction (:meth:`storage.conversation.SqlConversationSession.consume`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import aliased

from bot.core.cases import InboxItem
from bot.core.codec import decode_message, encode_message
from bot.core.contract import InboundMessage
from storage.db import Database
from storage.people import insert_ignoring_conflict, message_digest
from storage.tables import InboxRow

# A new message is free to take at once, whatever any process's clock says.
AVAILABLE = datetime(1970, 1, 1, tzinfo=UTC)


def _digest(message: InboundMessage) -> str:
    return message_digest(message.channel, message.message_id)


class SqlInbox:
    """The :class:`bot.core.ports.Inbox` port."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def accept(self, message: InboundMessage, *, conversation_key: str) -> bool:
        async with self.database.sessions() as session, session.begin():
            return await insert_ignoring_conflict(
                session,
                InboxRow,
                {
                    "dedupe": _digest(message),
                    "channel": message.channel,
                    "conversation_key": conversation_key,
                    "payload": encode_message(message),
                    "received_at": message.received_at,
                    "lease_until": AVAILABLE,
                    "attempts": 0,
                },
            )

    async def claim(self, *, at: datetime, lease_seconds: float, limit: int) -> list[InboxItem]:
        earlier = aliased(InboxRow)
        # The oldest message of its conversation, probed through (conversation_key, id);
        # PostgreSQL passes over rows another worker is claiming instead of waiting.
        oldest = (
            select(func.min(earlier.id))
            .where(earlier.conversation_key == InboxRow.conversation_key)
            .scalar_subquery()
        )
        query = (
            select(InboxRow)
            .where(InboxRow.lease_until <= at, InboxRow.id == oldest)
            .order_by(InboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=InboxRow)
        )
        until = at + timedelta(seconds=lease_seconds)
        leased: list[InboxItem] = []
        async with self.database.sessions() as session, session.begin():
            for row in (await session.execute(query)).scalars().all():
                # Conditional on the lease seen: of two processes, one wins each row.
                won = await session.execute(
                    update(InboxRow)
                    .where(InboxRow.id == row.id, InboxRow.lease_until == row.lease_until)
                    .values(lease_until=until, attempts=InboxRow.attempts + 1)
                )
                if won.rowcount:
                    assert row.id is not None
                    leased.append(InboxItem(
                        id=row.id, message=decode_message(row.payload),
                        conversation_key=row.conversation_key, attempts=row.attempts + 1,
                    ))  # fmt: skip
        return leased

    async def postpone(
        self, item_id: int, message: InboundMessage, *, until: datetime, error: str
    ) -> None:
        async with self.database.sessions() as session, session.begin():
            await session.execute(
                update(InboxRow)
                .where(InboxRow.id == item_id, InboxRow.dedupe == _digest(message))
                .values(lease_until=until, error=error[:200])
            )

    async def drop(self, item_id: int, message: InboundMessage) -> None:
        """Delete the row if it still holds ``message``: once a turn has consumed it, SQLite
        gives its id to the next row stored, which must not go in its place."""
        async with self.database.sessions() as session, session.begin():
            await session.execute(
                delete(InboxRow).where(InboxRow.id == item_id, InboxRow.dedupe == _digest(message))
            )

    async def depth(self, at: datetime) -> tuple[int, float]:
        async with self.database.sessions() as session:
            query = select(func.count(InboxRow.id), func.min(InboxRow.received_at))
            count, oldest = (await session.execute(query)).one()
        age = (at - oldest).total_seconds() if oldest is not None else 0.0
        return int(count), max(age, 0.0)
