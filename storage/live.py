"""What live pages need across processes: a nudge from one process to the others
(PostgreSQL's LISTEN/NOTIFY; nothing on SQLite, which one process serves), and the
durable truth a nudge points at: a web chat's recent replies, and the cases.

A nudge carries nothing but the sender's token: a missed one costs only latency,
because every follower also polls what the database holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text

from bot.core.cases import OutboxItem
from bot.core.codec import decode, encode
from bot.core.contract import OutboundReply, ReplyAddress
from storage.cases import address_key
from storage.db import Database
from storage.tables import CaseRow, MessageRow, WebPushRow

log = logging.getLogger(__name__)

CHANNEL = "supportbot_live"
RETRY_SECONDS = 2.0
# Long enough for a page to reconnect and catch up; short, as the replies are personal.
KEEP_SECONDS = 120


class SqlLive:
    def __init__(self, database: Database, origin: str) -> None:
        self.database = database
        self.origin = origin

    @property
    def shared(self) -> bool:
        """Whether other processes may share the database (and want nudges)."""
        return self.database.dialect == "postgresql"

    async def nudge(self) -> None:
        """Tell the other processes that something was committed."""
        if not self.shared:
            return
        async with self.database.engine.connect() as connection:
            await connection.execute(text("SELECT pg_notify(:channel, :origin)"),
                                     {"channel": CHANNEL, "origin": self.origin})  # fmt: skip
            await connection.commit()

    async def listen(self, poke: Callable[[], None], stop: asyncio.Event) -> None:
        """Until ``stop``: call ``poke`` when another process nudges; reconnects after a
        lost connection (the followers' polling covers the gap)."""
        while self.shared and not stop.is_set():
            try:
                await self._listen_once(poke, stop)
            except Exception as exc:  # the connection went: say so, wait, listen again
                log.warning("live nudges lost error=%s", type(exc).__name__)
                poke()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=RETRY_SECONDS)
        await stop.wait()

    async def _listen_once(self, poke: Callable[[], None], stop: asyncio.Event) -> None:
        lost = asyncio.Event()

        def heard(_connection: Any, _pid: int, _channel: str, origin: str) -> None:
            if origin != self.origin:
                poke()

        async with self.database.engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            def closed(_connection: Any) -> None:
                lost.set()

            raw.add_termination_listener(closed)
            await raw.add_listener(CHANNEL, heard)
            try:
                ended = asyncio.create_task(stop.wait())
                broken = asyncio.create_task(lost.wait())
                await asyncio.wait({ended, broken}, return_when=asyncio.FIRST_COMPLETED)
                for task in (ended, broken):
                    task.cancel()
                if lost.is_set():
                    raise ConnectionError("the listening connection closed")
            finally:
                raw.remove_termination_listener(closed)
                if not lost.is_set():
                    await raw.remove_listener(CHANNEL, heard)

    async def record(self, address: ReplyAddress, replies: tuple[OutboundReply, ...]) -> None:
        """Keep a chat's replies briefly for whichever process holds its page (the
        outbox row goes once delivered)."""
        row = WebPushRow(address=address.payload, address_key=address_key(address),
                         payload=encode(replies, None), at=datetime.now(UTC))  # fmt: skip
        async with self.database.sessions() as session, session.begin():
            session.add(row)

    async def forget_old(self) -> int:
        """Drop what no page needs any more (any process may; deleting is idempotent)."""
        before = datetime.now(UTC) - timedelta(seconds=KEEP_SECONDS)
        async with self.database.sessions() as session, session.begin():
            gone = await session.execute(
                delete(WebPushRow).where(WebPushRow.at < before))  # type: ignore[arg-type]
            return int(gone.rowcount or 0)

    async def last_id(self, address: ReplyAddress) -> int:
        """The newest push for the recipient (0: none)."""
        async with self.database.sessions() as session:
            query = select(func.max(WebPushRow.id)).where(
                WebPushRow.address_key == address_key(address))
            return int((await session.execute(query)).scalar() or 0)  # fmt: skip

    async def pushes_after(self, floors: Mapping[ReplyAddress, int]) -> list[OutboxItem]:
        """Each recipient's pushes after its floor, in id order."""
        if not floors:
            return []
        by_key = {address_key(a): (a, floor) for a, floor in floors.items()}
        async with self.database.sessions() as session:
            query = (
                select(WebPushRow.id, WebPushRow.address_key, WebPushRow.payload)
                .where(WebPushRow.address_key.in_(by_key),  # type: ignore[attr-defined]
                       WebPushRow.id > min(floors.values()))  # type: ignore[operator]
                .order_by(WebPushRow.id)  # type: ignore[arg-type]
            )  # fmt: skip
            rows = (await session.execute(query)).all()
        found = []
        for row_id, key, payload in rows:
            address, floor = by_key[key]
            if row_id > floor:
                replies, _ = decode(payload)
                found.append(OutboxItem(id=row_id, address=address, attempts=0,
                                        replies=replies, event=None))  # fmt: skip
        return found

    async def desk_mark(self) -> tuple[int, ...]:
        """Changes whenever the desk's picture may have: a new case or message, a case
        taken, passed on, re-prioritised or closed."""
        async with self.database.sessions() as session:
            cases = (await session.execute(select(
                func.max(CaseRow.id), func.count(CaseRow.closed_at), func.count(CaseRow.holder),
                func.count(CaseRow.taken_at), func.sum(CaseRow.urgency)))).one()  # fmt: skip
            messages = (await session.execute(select(func.max(MessageRow.id)))).scalar()
        return (*(int(v or 0) for v in cases), int(messages or 0))
