"""Workers that take stored inbound messages and run their turns.

Store, then acknowledge: a channel writes each message to the inbox before it
tells the platform the message arrived, and the workers here take it from
there under a lease. The turn deletes the inbox row in its own transaction, so
a crash at any moment either left the row (another worker retries after the
lease) or finished the turn; a message the turn cannot handle is retried with
backoff and, after the last attempt, answered with an apology, never dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.cases import InboxItem
from bot.core.contract import (
    Channel,
    IdentifiesInConversation,
    IdentifiesSenders,
    InboundMessage,
)
from bot.core.logs import CORRELATION, failure
from bot.core.metrics import NO_METER, Meter
from bot.core.ports import Inbox
from bot.engine.turns import Engine

log = logging.getLogger(__name__)

# A turn that has not committed within the lease is presumed lost with its process.
LEASE_SECONDS = 120.0
# What a channel does with its own kinds of stored message (an agent's thread reply, a
# click on a case card): given the message and its inbox row, which it may consume in
# its own transaction (see bot.core.cases.Receipt).
KindHandler = Callable[[InboundMessage, int], Awaitable[None]]
ATTEMPTS = 4
IDENTIFY_SECONDS = 5.0


class InboxWorkers:
    """A bounded number of concurrent turns per process (backpressure: what does not fit
    waits in the inbox, stored, and is answered a little later, never refused)."""

    def __init__(
        self,
        *,
        inbox: Inbox,
        engine: Engine,
        clock: Callable[[], datetime],
        channels: Mapping[str, Channel] | None = None,
        concurrency: int = 4,
        poll_seconds: float = 0.5,
        meter: Meter = NO_METER,
    ) -> None:
        self._meter = meter
        self._inbox = inbox
        self._engine = engine
        self._clock = clock
        self._channels: Mapping[str, Channel] = channels if channels is not None else {}
        self._slots = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._taking = asyncio.Lock()
        self._idle = asyncio.Event()
        self._idle.set()
        self._kinds: dict[str, KindHandler] = {}
        # Claims under way: a claim has leased its rows before its turns are running.

    def handle_kind(self, kind: str, handler: KindHandler) -> None:
        """Run ``handler`` for stored messages of ``kind`` instead of a conversation turn."""
        self._kinds[kind] = handler

    def wake(self) -> None:
        """Look at the inbox now (called after this process stored a message)."""
        self._wake.set()

    async def accept(self, message: InboundMessage) -> bool:
        """Store a message (the channel acknowledges after this returns); False for a
        redelivery that is already stored."""
        CORRELATION.set(self._engine.correlation_of(message))
        stored = await self._inbox.accept(
            message, conversation_key=self._engine.conversation_key(message)
        )
        log.info("message stored channel=%s kind=%s new=%s", message.channel, message.kind, stored)
        self.wake()
        return stored

    async def run(self, stop: asyncio.Event) -> None:
        """Take and run turns until ``stop`` is set; then let running turns finish."""
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.take()
            except Exception as exc:
                failure(log, "inbox pass failed", exc)
            waiters = {asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())}
            _, pending = await asyncio.wait(
                waiters, timeout=self._poll, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()
        if self._running:
            await asyncio.wait(set(self._running))

    async def take(self) -> int:
        """Lease as many waiting messages as there are free slots and start their turns."""
        # One claim at a time in a process: the background loop and drain() never race,
        # so a message leased by one is always among the running turns the other sees.
        async with self._taking:
            free = self._concurrency - len(self._running)
            if free <= 0:
                return 0
            items = await self._inbox.claim(
                at=self._clock(), lease_seconds=LEASE_SECONDS, limit=free
            )
            for item in items:
                task = asyncio.create_task(self._run(item), name="inbox-turn")
                self._running.add(task)
                self._idle.clear()
                task.add_done_callback(self._done)
            return len(items)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not self._running:
            self._idle.set()
        self.wake()  # a slot is free, and the conversation's next message may be waiting

    async def idle(self) -> None:
        """Wait until no turn is running (tests and benchmarks wait on this)."""
        await self._idle.wait()

    async def drain(self) -> None:
        """Run turns until the inbox holds nothing this process can take now (a claim the
        run loop has under way counts: take() waits for it, and its turns are running)."""
        while await self.take() or self._running:
            await asyncio.wait(set(self._running), return_when=asyncio.FIRST_COMPLETED)

    async def _run(self, item: InboxItem) -> None:
        async with self._slots:
            message = item.message
            CORRELATION.set(self._engine.correlation_of(message))
            try:
                if message.kind != "turn":
                    await self._kind(message, item.id)
                    return
                message = await self._identified(message)
                await self._engine.turn(message, inbox_id=item.id)
            except Exception as exc:
                failure(log, "turn failed", exc, channel=message.channel, attempt=item.attempts)
                self._meter.turn(channel=message.channel, outcome="error", seconds=None)
                await self._failed(item, message, exc)

    async def _kind(self, message: InboundMessage, inbox_id: int) -> None:
        handler = self._kinds.get(message.kind)
        if handler is None:
            # Stored by a process that serves a channel this one does not: leave it.
            await self._inbox.postpone(
                inbox_id, message, until=self._clock() + timedelta(seconds=LEASE_SECONDS),
                error=f"no handler for {message.kind}"[:200],
            )  # fmt: skip
            return
        await handler(message, inbox_id)
        await self._inbox.drop(inbox_id, message)  # a no-op when the handler consumed it

    async def _failed(self, item: InboxItem, message: InboundMessage, exc: Exception) -> None:
        if item.attempts < ATTEMPTS:
            wait = timedelta(seconds=min(2.0**item.attempts, 60.0))
            await self._inbox.postpone(
                item.id, item.message, until=self._clock() + wait, error=type(exc).__name__
            )
            return
        # The last attempt: the customer hears that something went wrong, and the message
        # leaves the inbox (its text is not kept). An agent's action is only logged.
        if message.kind == "turn":
            await self._engine.apologise(message)
        await self._inbox.drop(item.id, item.message)

    async def _identified(self, message: InboundMessage) -> InboundMessage:
        """The sender's name and email from the platform, when it can tell them; a lookup
        that fails or takes too long leaves the message as it came, never drops it."""
        channel = self._channels.get(message.channel)
        knows = isinstance(channel, IdentifiesSenders | IdentifiesInConversation)
        if not knows or message.sender.is_bot:
            return message
        sender = message.sender
        with contextlib.suppress(Exception):
            async with asyncio.timeout(IDENTIFY_SECONDS):
                if isinstance(channel, IdentifiesInConversation):
                    sender = await channel.identify_in(message)
                elif isinstance(channel, IdentifiesSenders):
                    sender = await channel.identify(message.sender)
        if sender is message.sender:
            return message
        return replace(message, sender=sender)
