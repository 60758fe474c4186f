"""The outbox on SQLAlchemy: messages stored before delivery, leased to one dispatcher."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import aliased

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
        earlier = aliased(OutboxRow)
        # Only the first waiting item of each recipient: a retried message is never
        # overtaken by a later one to the same person. A correlated min() is probed
        # through the partial index of waiting rows whatever the planner believes of
        # the table's size (an anti-join planned on an unanalysed table scanned every
        # waiting row once per candidate).
        first_waiting = (
            select(func.min(earlier.id))
            .where(
                earlier.address_key == OutboxRow.address_key,
                earlier.delivered_at.is_(None),
                earlier.failed_at.is_(None),
            )
            .scalar_subquery()
        )
        query = select(OutboxRow).where(
            OutboxRow.channel == channel,
            OutboxRow.delivered_at.is_(None),
            OutboxRow.failed_at.is_(None),
            OutboxRow.next_attempt_at <= at,
            OutboxRow.id == first_waiting,
        )
        if address is not None:
            query = query.where(OutboxRow.address == address)
        # PostgreSQL: rows another dispatcher is claiming right now are passed over, not
        # waited for, so concurrent claims take different items (SQLite ignores this;
        # it has one writer).
        query = query.order_by(OutboxRow.id).limit(limit)
        query = query.with_for_update(skip_locked=True, of=OutboxRow)
        async with self.database.sessions() as session, session.begin():
            rows = (await session.execute(query)).scalars().all()
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
        """Mark an item delivered; a reply to a customer is deleted instead: once it has
        arrived no copy is needed (a consented user's transcript keeps what it keeps)."""
        async with self.database.sessions() as session, session.begin():
            await session.execute(
                delete(OutboxRow).where(OutboxRow.id == item_id, OutboxRow.recipient == "customer")
            )
            await session.execute(
                update(OutboxRow).where(OutboxRow.id == item_id).values(delivered_at=at, error=None)
            )

    async def retry(self, item_id: int, *, at: datetime, error: str) -> None:
        await self._set(item_id, next_attempt_at=at, error=error[:500])

    async def failed(self, item_id: int, *, at: datetime, error: str) -> None:
        await self._set(item_id, failed_at=at, error=error[:500])

    async def pending(self) -> int:
        return (await self.depth(None))[0]

    async def depth(self, at: datetime | None) -> tuple[int, float]:
        """How many items wait for delivery, and the age in seconds of the oldest."""
        async with self.database.sessions() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(OutboxRow.id), func.min(OutboxRow.created_at)).where(
                        OutboxRow.delivered_at.is_(None), OutboxRow.failed_at.is_(None)
                    )
                )
            ).one()
        age = (at - oldest).total_seconds() if at is not None and oldest is not None else 0.0
        return int(count), max(age, 0.0)
