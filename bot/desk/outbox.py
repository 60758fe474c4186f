"""Delivering what waits in the outbox, through whichever channel each item is for.

Messages are stored first (in the transaction that caused them) and delivered
from here, then marked delivered. A transient failure is retried with backoff
(or after the platform's Retry-After); a permanent one is marked failed and
reported to the agents, never dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.cases import AgentSurface, DeskEvent, OutboxItem
from bot.core.contract import Channel, DeliveryError, OutboundReply, ReplyKind
from bot.core.ports import Outbox

log = logging.getLogger(__name__)

DeskText = Callable[[DeskEvent], str]
FailureReport = Callable[[OutboxItem, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Route:
    """One channel this process delivers for; ``address`` limits it to one address
    (a terminal delivers only its own user's messages)."""

    channel: Channel
    address: str | None = None


def _backoff(attempts: int) -> float:
    """Exponential backoff with full jitter, so many failed items do not return at once."""
    return random.uniform(0.5, min(2.0**attempts, 300.0))


class Dispatcher:
    def __init__(
        self,
        *,
        outbox: Outbox,
        routes: Mapping[str, Route],
        desk_text: DeskText,
        clock: Callable[[], datetime],
        on_failure: FailureReport | None = None,
        lease_seconds: float = 60.0,
        max_attempts: int = 8,
        recipients_at_once: int = 8,
    ) -> None:
        self._at_once = recipients_at_once
        self._outbox = outbox
        self._routes = dict(routes)
        self._desk_text = desk_text
        self._clock = clock
        self._on_failure = on_failure
        self._lease = lease_seconds
        self._max_attempts = max_attempts
        self._wake = asyncio.Event()
        # One pass at a time in this process: a caller waiting for deliveries (a test,
        # the terminal) waits for a pass already under way instead of racing it.
        self._pass = asyncio.Lock()

    def wake(self) -> None:
        """Deliver now rather than at the next poll (called after a commit)."""
        self._wake.set()

    async def deliver_due(self) -> int:
        """Deliver every due item for this process's channels; returns how many went out."""
        async with self._pass:
            return await self._deliver_due()

    async def _deliver_due(self) -> int:
        delivered = 0
        for name, route in self._routes.items():
            delivered += await self._deliver_route(name, route)
        return delivered

    async def _deliver_route(self, name: str, route: Route) -> int:
        """Deliver one channel's due items, several recipients at a time. The claim only
        offers each recipient's oldest waiting item, so a recipient's messages still go
        in order while one slow recipient holds up nobody else; a new item is claimed as
        soon as a send finishes, and nothing waits long behind a slow send (its lease)."""
        delivered, failed = 0, False
        sending: set[asyncio.Task[int]] = set()
        while True:
            free = self._at_once - len(sending)
            if free > 0 and not failed:
                items = await self._outbox.claim(
                    name, address=route.address, at=self._clock(), lease_seconds=self._lease,
                    limit=free,
                )  # fmt: skip
                sending |= {asyncio.create_task(self._deliver(route.channel, i)) for i in items}
            if not sending:
                return delivered
            done, sending = await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                sent = task.result()
                delivered += sent
                # A failed item is tried again on a later pass, never twice in one
                # (a Retry-After of 0 must not spend every attempt at once).
                failed = failed or not sent

    async def _deliver(self, channel: Channel, item: OutboxItem) -> int:
        try:
            if item.event is not None and isinstance(channel, AgentSurface):
                await channel.show(item.address, item.event)
            else:
                replies = item.replies
                if item.event is not None:
                    text = OutboundReply(text=self._desk_text(item.event), kind=ReplyKind.NOTICE)
                    replies = (text, *replies)
                await channel.send(item.address, replies)
        except DeliveryError as exc:
            await self._failed(item, exc, permanent=exc.permanent, retry_after=exc.retry_after)
            return 0
        except Exception as exc:
            # An adapter bug must not lose the message: keep it and try again later.
            log.error(
                "delivery crashed item=%d error=%s", item.id, type(exc).__name__, exc_info=True
            )
            await self._failed(item, exc, permanent=False, retry_after=None)
            return 0
        await self._outbox.delivered(item.id, self._clock())
        return 1

    async def _failed(
        self, item: OutboxItem, exc: Exception, *, permanent: bool, retry_after: float | None
    ) -> None:
        error = f"{type(exc).__name__}: {exc}"
        now = self._clock()
        if permanent or item.attempts >= self._max_attempts:
            log.error(
                "delivery failed for good item=%d channel=%s attempts=%d",
                item.id,
                item.address.channel,
                item.attempts,
            )
            await self._outbox.failed(item.id, at=now, error=error)
            if self._on_failure is not None:
                await self._on_failure(item, error)
            return
        wait = retry_after if retry_after is not None else _backoff(item.attempts)
        log.warning(
            "delivery postponed item=%d channel=%s wait=%.1fs", item.id, item.address.channel, wait
        )
        await self._outbox.retry(item.id, at=now + timedelta(seconds=wait), error=error)

    async def run(self, stop: asyncio.Event, *, poll_seconds: float = 1.0) -> None:
        """Deliver until ``stop`` is set: at once when woken, else every ``poll_seconds``
        (other processes' messages arrive by polling)."""
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.deliver_due()
            except Exception as exc:
                log.error("outbox pass failed error=%s", type(exc).__name__, exc_info=True)
            waiters = {asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())}
            _, pending = await asyncio.wait(
                waiters, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()
