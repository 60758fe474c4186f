"""Channel marks: a channel's own ids kept in the bot's database (see ``ChannelMarks``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select

from storage.db import Database
from storage.people import insert_ignoring_conflict
from storage.tables import ChannelMarkRow


class SqlMarks:
    """Each mark is written once (the first writer wins) and read by any process."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def put_mark(self, channel: str, key: str, value: str, *, at: datetime) -> bool:
        async with self.database.sessions() as session, session.begin():
            return await insert_ignoring_conflict(
                session, ChannelMarkRow,
                {"channel": channel, "key": key, "value": value, "created_at": at},
            )  # fmt: skip

    async def mark(self, channel: str, key: str) -> str | None:
        async with self.database.sessions() as session:
            found = await session.execute(
                select(ChannelMarkRow.value).where(
                    ChannelMarkRow.channel == channel, ChannelMarkRow.key == key
                )
            )
            return found.scalar_one_or_none()

    async def marks_under(self, channel: str, prefix: str) -> dict[str, str]:
        async with self.database.sessions() as session:
            found = await session.execute(
                select(ChannelMarkRow.key, ChannelMarkRow.value).where(
                    ChannelMarkRow.channel == channel,
                    ChannelMarkRow.key.startswith(prefix, autoescape=True),
                )
            )
            return {str(row[0]): str(row[1]) for row in found}

    async def drop_marks(self, channel: str, keys: Sequence[str]) -> None:
        async with self.database.sessions() as session, session.begin():
            await session.execute(
                delete(ChannelMarkRow).where(
                    ChannelMarkRow.channel == channel, ChannelMarkRow.key.in_(list(keys))
                )
            )
