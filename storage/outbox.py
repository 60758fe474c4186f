"""The outbox on SQLAlchemy: messages stored before delivery, leased to one dispatcher."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.core.cases import OutboxItem
from bot.core.codec import decode
from bot.core.contract import ReplyAddress
from storage.db import Database
from storage.tables import OutboxRow


class SqlOutbox:
    """The :class:`bot.ports.Outbox` port: leases instead of long transactions."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def claim(
        self,
        channel: str,
        *,
        address: str | None,
        at: datetime,
        lease_seconds: float,
        limit: int = 20,
    ) -> list[OutboxItem]:
        async with self.database.sessions() as session, session.begin():
            query = select(OutboxRow).where(
                OutboxRow.channel == channel,
                OutboxRow.delivered_at.is_(None),
                OutboxRow.failed_at.is_(None),
                OutboxRow.next_attempt_at <= at,
            )
            if address is not None:
                query = query.where(OutboxRow.address == address)
            rows = (
                (await session.execute(query.order_by(OutboxRow.id).limit(limit))).scalars().all()
            )
            leased: list[OutboxItem] = []
            until = at + timedelta(seconds=lease_seconds)
            for row in rows:
                claimed = await session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id == row.id, OutboxRow.next_attempt_at == row.next_attempt_at,
                           OutboxRow.delivered_at.is_(None))
                    .values(next_attempt_at=until, attempts=OutboxRow.attempts + 1)
                )  # fmt: skip
                if claimed.rowcount:
                    replies, event = decode(row.payload)
                    assert row.id is not None
                    leased.append(
                        OutboxItem(
                            id=row.id,
                            address=ReplyAddress(channel=row.channel, payload=row.address),
                            attempts=row.attempts + 1,
                            replies=replies,
                            event=event,
                        )
                    )
            return leased

    async def _set(self, item_id: int, **values: object) -> None:
        async with self.database.sessions() as session, session.begin():
            await session.execute(update(OutboxRow).where(OutboxRow.id == item_id).values(**values))

    async def delivered(self, item_id: int, at: datetime) -> None:
        await self._set(item_id, delivered_at=at, error=None)

    async def retry(self, item_id: int, *, at: datetime, error: str) -> None:
        await self._set(item_id, next_attempt_at=at, error=error[:500])

    async def failed(self, item_id: int, *, at: datetime, error: str) -> None:
        await self._set(item_id, failed_at=at, error=error[:500])

    async def pending(self) -> int:
        async with self.database.sessions() as session:
            rows = await session.execute(
                select(OutboxRow.id).where(OutboxRow.delivered_at.is_(None),
                                           OutboxRow.failed_at.is_(None))
            )  # fmt: skip
            return len(rows.all())
