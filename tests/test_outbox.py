"""The outbox: stored first, delivered from there, marked delivered; a failure is
kept and retried (or reported to the agents), never dropped."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import pytest

from bot.app import App
from bot.core.cases import Delivery, OutboxItem, Recipient
from bot.core.contract import DeliveryError, OutboundReply, ReplyAddress
from bot.core.settings import DEMO_AGENTS, Settings
from bot.desk.outbox import Route
from storage.people import message_digest
from tests.harness import Clock, all_rows


class FlakyChannel:
    """A channel that fails the way it is told to, then delivers."""

    name = "flaky"

    def __init__(self, failures: Sequence[DeliveryError] = ()) -> None:
        self.failures = list(failures)
        self.delivered: list[tuple[ReplyAddress, tuple[OutboundReply, ...]]] = []

    async def send(self, address: ReplyAddress, replies: Sequence[OutboundReply]) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append((address, tuple(replies)))


@pytest.fixture
async def desk_app(database_url: str, clock: Clock):
    app = await App.start(Settings(database_url=database_url, agents=DEMO_AGENTS), clock=clock)
    yield app
    await app.close()


async def enqueue(
    app: App, text: str = "Hei!", recipient: Recipient = Recipient.CUSTOMER
) -> ReplyAddress:
    address = ReplyAddress.of("flaky", {"conversation": "c1"})
    delivery = Delivery(address=address, recipient=recipient, replies=(OutboundReply(text=text),))
    await app.storage.deliver_now([delivery], at=app.clock())
    return address


async def test_a_message_is_delivered_once_and_marked(desk_app):
    channel = FlakyChannel()
    dispatcher = desk_app.dispatcher({"flaky": Route(channel=channel)})
    await enqueue(desk_app)
    assert await dispatcher.deliver_due() == 1
    assert await dispatcher.deliver_due() == 0
    assert [r.text for _, replies in channel.delivered for r in replies] == ["Hei!"]
    assert (await all_rows(desk_app))["outbox"] == [], "a delivered reply leaves no copy"


async def test_a_message_for_agents_is_marked_delivered(desk_app):
    channel = FlakyChannel()
    dispatcher = desk_app.dispatcher({"flaky": Route(channel=channel)})
    await enqueue(desk_app, recipient=Recipient.AGENTS)
    assert await dispatcher.deliver_due() == 1
    [row] = (await all_rows(desk_app))["outbox"]
    assert row["delivered_at"] is not None and row["attempts"] == 1


async def test_a_transient_failure_waits_for_retry_after_and_then_delivers(desk_app, clock):
    channel = FlakyChannel([DeliveryError("rate limited", retry_after=30)])
    dispatcher = desk_app.dispatcher({"flaky": Route(channel=channel)})
    await enqueue(desk_app)
    assert await dispatcher.deliver_due() == 0
    clock.advance(seconds=29)
    assert await dispatcher.deliver_due() == 0, "Retry-After is honoured"
    [row] = (await all_rows(desk_app))["outbox"]
    assert row["attempts"] == 1, "the wait is not an attempt"
    clock.advance(seconds=2)
    assert await dispatcher.deliver_due() == 1
    assert len(channel.delivered) == 1


async def test_a_crashing_adapter_loses_nothing(desk_app, clock):
    channel = FlakyChannel([RuntimeError("adapter bug")])  # type: ignore[list-item]
    dispatcher = desk_app.dispatcher({"flaky": Route(channel=channel)})
    await enqueue(desk_app)
    assert await dispatcher.deliver_due() == 0
    clock.advance(minutes=5)
    assert await dispatcher.deliver_due() == 1


async def test_a_permanent_failure_is_marked_and_reported_to_the_agents(desk_app):
    channel = FlakyChannel([DeliveryError("channel_not_found", permanent=True)])
    dispatcher = desk_app.dispatcher({"flaky": Route(channel=channel)})
    await enqueue(desk_app)
    assert await dispatcher.deliver_due() == 0
    rows = (await all_rows(desk_app))["outbox"]
    failed = [r for r in rows if r["channel"] == "flaky"]
    assert failed[0]["failed_at"] is not None and "channel_not_found" in failed[0]["error"]
    reports = [r for r in rows if r["recipient"] == "agents"]
    assert len(reports) == 2 and all("ei saatu toimitettua" in r["payload"] for r in reports)


async def test_a_lease_keeps_two_dispatchers_from_delivering_the_same_message(desk_app, clock):
    first, second = FlakyChannel(), FlakyChannel()
    await enqueue(desk_app)
    items = await desk_app.outbox.claim("flaky", address=None, at=clock.now, lease_seconds=60)
    assert len(items) == 1
    other = desk_app.dispatcher({"flaky": Route(channel=second)})
    assert await other.deliver_due() == 0, "leased by the first process"
    clock.now += timedelta(seconds=61)  # the first process died without marking it
    assert await other.deliver_due() == 1
    assert first.delivered == [] and len(second.delivered) == 1


async def test_claims_at_once_take_different_recipients_each_in_order(desk_app, clock):
    """Eight dispatchers claiming at once (on PostgreSQL; SQLite has one writer, so one
    after another) take the first item of eight recipients, none twice and none empty-
    handed while a recipient waits; no second item goes before its recipient's first."""
    for n in range(8):
        address = ReplyAddress.of("flaky", {"conversation": f"c{n}"})
        await desk_app.storage.deliver_now([
            Delivery(address=address, recipient=Recipient.CUSTOMER,
                     replies=(OutboundReply(text=f"{word} {n}"),))
            for word in ("first", "second")
        ], at=clock.now)  # fmt: skip

    async def claim(limit: int = 1) -> list[OutboxItem]:
        return await desk_app.outbox.claim("flaky", address=None, at=clock.now,
                                           lease_seconds=60, limit=limit)  # fmt: skip

    if desk_app.database.dialect == "sqlite":
        claims = [await claim() for _ in range(8)]
    else:
        claims = await asyncio.gather(*(claim() for _ in range(8)))
    assert [len(c) for c in claims] == [1] * 8, "a claim came back empty while items waited"
    taken = [c[0] for c in claims]
    assert sorted(i.replies[0].text for i in taken) == [f"first {n}" for n in range(8)]
    assert await claim(limit=20) == [], "a second item went before its recipient's first"
    for item in taken:
        await desk_app.outbox.delivered(item.id, clock.now)
    seconds = await claim(limit=20)
    assert sorted(i.replies[0].text for i in seconds) == [f"second {n}" for n in range(8)]


async def test_housekeeping_forgets_old_bookkeeping_but_keeps_what_is_still_needed(desk_app, clock):
    channel = FlakyChannel()
    dispatcher = desk_app.dispatcher({"flaky": Route(channel=channel)})
    await enqueue(desk_app, "old", recipient=Recipient.AGENTS)
    await dispatcher.deliver_due()
    assert await desk_app.storage.claim("test", "old-event", at=clock.now)
    clock.advance(days=31)
    await enqueue(desk_app, "waiting")  # undelivered: must survive any age
    assert await desk_app.storage.claim("test", "new-event", at=clock.now)
    assert await desk_app.housekeep() == 2
    rows = await all_rows(desk_app)
    assert [r["message_id"] for r in rows["processed_messages"]] == [
        message_digest("test", "new-event")
    ], "only a digest of the platform id is stored"
    assert [r["delivered_at"] for r in rows["outbox"]] == [None]
    assert not await desk_app.storage.claim("test", "new-event", at=clock.now), (
        "a recent id is still a retry"
    )
