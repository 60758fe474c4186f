"""Live pages across processes: whichever process committed a reply or a desk change,
the pages open in this one show it within seconds.

Whichever process delivers a web chat's reply records it in the database for a
minute or two; each process pushes its open chats' new records to their pages, in
order, with the record's id as the event id (a reconnecting page says where it
was). A commit here pokes at once; a commit elsewhere nudges (PostgreSQL NOTIFY);
and a poll every few seconds catches any nudge that was lost, so a reply is late
at worst, never missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from bot.channels.web.channel import WebChannel, chat_address
from bot.channels.web.hub import DESK
from bot.core.cases import OutboxItem
from bot.core.contract import OutboundReply, ReplyAddress

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
FORGET_SECONDS = 60.0


class LiveSource(Protocol):
    """What the follower reads and says (``storage/live.py`` implements it)."""

    async def nudge(self) -> None:
        """Tell the other processes that something was committed."""

    async def listen(self, poke: Callable[[], None], stop: asyncio.Event) -> None:
        """Until ``stop``: call ``poke`` whenever another process nudges."""

    async def record(self, address: ReplyAddress, replies: tuple[OutboundReply, ...]) -> None:
        """Keep a chat's delivered replies briefly, for the process holding its page."""

    async def last_id(self, address: ReplyAddress) -> int:
        """The newest record for the recipient (0: none yet)."""

    async def pushes_after(self, floors: Mapping[ReplyAddress, int]) -> list[OutboxItem]:
        """Each recipient's records after its floor, in id order."""

    async def desk_mark(self) -> tuple[int, ...]:
        """A value that changes whenever the desk's picture may have."""

    async def forget_old(self) -> int:
        """Drop the records no page needs any more."""


class Live:
    """Follows the database for this process's open chats and desks."""

    def __init__(self, source: LiveSource, channel: WebChannel,
                 poll_seconds: float = POLL_SECONDS) -> None:  # fmt: skip
        self._source = source
        self._channel = channel
        self._poll = poll_seconds
        # Open chat → the last record its page was given.
        self._floors: dict[str, int] = {}
        self._poked = asyncio.Event()
        self._tell_others = False
        self._elsewhere = False
        self._desk_mark: tuple[int, ...] | None = None

    def committed(self) -> None:
        """Something was committed here: push it to pages here, nudge the others."""
        self._tell_others = True
        self._poked.set()

    def _nudged(self) -> None:
        self._elsewhere = True
        self._poked.set()

    async def last_shown(self, chat_id: str) -> int:
        """The chat's newest reply as a page rendered now shows it (its stream goes on
        from there)."""
        return await self._source.last_id(chat_address(chat_id))

    async def open_chat(self, chat_id: str, last_seen: int | None) -> None:
        """A page opened its stream; ``last_seen`` is the event id a reconnecting page
        last had (its replies since then follow), None for a fresh page."""
        if chat_id not in self._floors:
            floor = last_seen
            if floor is None:
                floor = await self._source.last_id(chat_address(chat_id))
            self._floors.setdefault(chat_id, floor)

    def close_chat(self, chat_id: str) -> None:
        if not self._channel.hub.listeners(f"chat:{chat_id}"):
            self._floors.pop(chat_id, None)

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``: listen for nudges and push what is new."""
        listening = asyncio.create_task(self._source.listen(self._nudged, stop), name="live")
        forgot = 0.0
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._poked.wait(), timeout=self._poll)
                self._poked.clear()
                try:
                    await self.follow()
                    if time.monotonic() - forgot > FORGET_SECONDS:
                        forgot = time.monotonic()
                        await self._source.forget_old()
                except Exception as exc:  # the next poke or poll tries again
                    log.warning("live pages not refreshed error=%s", type(exc).__name__)
        finally:
            stop.set()
            await listening

    async def follow(self) -> None:
        """One round: nudge the others if this process committed, push the open chats'
        new replies, refresh the desks if anything changed elsewhere."""
        here, self._tell_others = self._tell_others, False
        if here:
            await self._source.nudge()
        await self._push_chats()
        await self._refresh_desks()

    async def _push_chats(self) -> None:
        floors = {chat_address(chat): floor for chat, floor in self._floors.items()}
        for item in await self._source.pushes_after(floors):
            chat = item.address.data().get("chat")
            if not isinstance(chat, str) or item.id <= self._floors.get(chat, item.id):
                continue  # closed meanwhile, or already pushed
            self._floors[chat] = item.id
            if item.replies:
                html = self._channel.render(item.replies, self._channel.langs.get(chat, "fi"))
                self._channel.hub.publish(f"chat:{chat}", "message", html, event_id=str(item.id))

    async def _refresh_desks(self) -> None:
        elsewhere, self._elsewhere = self._elsewhere, False
        if not self._channel.hub.listeners(DESK):
            self._desk_mark = None
            return
        mark = await self._source.desk_mark()
        if elsewhere or (self._desk_mark is not None and mark != self._desk_mark):
            self._channel.hub.publish(DESK, "changed")
        self._desk_mark = mark
