"""Connector failures mapped to the outbox's retry policy: 429 waits for Retry-After,
412/502/504 back off, 413 is split and resent, permanent failures are reported to the
agents. Real server, real SDK client, a fake connector that fails on demand.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import ClientResponseError
from multidict import CIMultiDict, CIMultiDictProxy

from bot.channels.teams.connector import TooLarge, delivery_error
from bot.channels.teams.mount import TeamsMount
from bot.core.contract import OutboundReply, ReplyAddress
from bot.core.texts import Catalogue
from tests.fakes.teams_api import Call, FakeTeams, personal
from tests.harness import Clock, all_rows
from tests.teams_harness import (
    AGENT_CHANNEL,
    MATTI,
    TeamsBot,
    people,
    running_teams,
    teams_settings,
    who,
)

TEXTS = Catalogue.load()
CHAT = "a:personal-matti"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTeams]:
    async with FakeTeams() as fake:
        people(fake)
        yield fake


@pytest.fixture
async def bot(database_url: str, fake: FakeTeams, clock: Clock) -> AsyncIterator[TeamsBot]:
    settings = teams_settings(database_url, fake, teams_agent_channel=AGENT_CHANNEL)
    async with running_teams(settings, fake, clock) as bot:
        yield bot


def failure(status: int, **headers: str) -> ClientResponseError:
    return ClientResponseError(None, (), status=status,  # type: ignore[arg-type]
                               headers=CIMultiDictProxy(CIMultiDict(headers)))  # fmt: skip


def test_connector_failures_map_to_the_retry_policy() -> None:
    limited = delivery_error(failure(429, **{"Retry-After": "7"}))
    assert not limited.permanent and limited.retry_after == 7
    for status in (412, 500, 502, 503, 504):
        error = delivery_error(failure(status))
        assert not error.permanent and error.retry_after is None, status
    for status in (400, 403, 404):
        assert delivery_error(failure(status)).permanent, status
    assert isinstance(delivery_error(failure(413)), TooLarge)
    assert not delivery_error(TimeoutError()).permanent


def greeting(call: Call) -> bool:
    return call.conversation == CHAT and call.text == TEXTS.get("fi", "greeting")


async def test_a_429_waits_for_retry_after(bot: TeamsBot, clock: Clock) -> None:
    bot.fake.fail(429, **{"Retry-After": "120"})
    await bot.post(personal(bot.fake.service_url, who(MATTI), "Hei"))
    await bot.settled()
    assert bot.fake.posted() == [] and bot.fake.failures == []
    rows = (await all_rows(bot.app))["outbox"]
    assert all(r["delivered_at"] is None for r in rows)
    (row,) = [r for r in rows if r["attempts"]]
    assert row["attempts"] == 1
    assert row["next_attempt_at"].replace(tzinfo=None) == (clock.now + timedelta(
        seconds=120)).replace(tzinfo=None)  # fmt: skip
    clock.advance(seconds=121)
    await bot.fake.wait_for("POST", where=greeting)


async def test_a_429_with_retry_after_zero_is_retried_by_the_running_outbox(bot: TeamsBot) -> None:
    bot.fake.fail(429, times=2, **{"Retry-After": "0"})
    await bot.post(personal(bot.fake.service_url, who(MATTI), "Hei"))
    await bot.fake.wait_for("POST", where=greeting, within=60)
    assert bot.fake.failures == []


@pytest.mark.parametrize("status", [412, 502, 504])
async def test_transient_failures_back_off_and_deliver(bot: TeamsBot, clock: Clock,
                                                       status: int) -> None:  # fmt: skip
    bot.fake.fail(status)
    await bot.post(personal(bot.fake.service_url, who(MATTI), "Hei"))
    await bot.settled()
    assert bot.fake.posted() == []
    clock.advance(minutes=10)  # past any backoff
    await bot.fake.wait_for("POST", where=greeting)


async def test_a_413_is_split_and_resent(bot: TeamsBot) -> None:
    mount = bot.served.mount("teams")
    assert isinstance(mount, TeamsMount)
    address = ReplyAddress.of("teams", {"serviceUrl": bot.fake.service_url,
                                        "conversation": CHAT})  # fmt: skip
    long = "\n\n".join(f"Kappale {n}: " + "tekstiä " * 110 + "loppu" for n in range(23))
    assert len(long) > 20_000 and len(long.encode()) < 24_000, "one activity, over the limit"
    await mount.channel.send(address, [OutboundReply(text=long)])
    parts = bot.fake.posted()
    assert len(parts) >= 2 and all(len(p.text) <= 20_000 for p in parts)
    assert "\n\n".join(p.text for p in parts) == long
    before = len(parts)
    bot.fake.fail(413)
    short = "Lyhyt viesti, jonka palvelu silti torjui liian isona"
    await mount.channel.send(address, [OutboundReply(text=short)])
    halves = bot.fake.posted()[before:]
    assert len(halves) == 2 and "".join(p.text for p in halves) == short


async def test_a_permanent_failure_is_reported_to_the_agents(bot: TeamsBot) -> None:
    bot.fake.fail(404)  # the chat is gone (the app was removed)
    await bot.post(personal(bot.fake.service_url, who(MATTI), "Hei"))
    failed = TEXTS.get("fi", "desk.delivery_failed", channel="teams", case="?")
    (report,) = await bot.fake.wait_for("POST", where=lambda c: c.conversation == AGENT_CHANNEL)
    assert report.text.startswith(failed[:40])
    await bot.settled()
    rows = (await all_rows(bot.app))["outbox"]
    (lost,) = [r for r in rows if r["failed_at"] is not None]
    assert "http_404" in lost["error"]
    assert not bot.fake.posted(greeting), "not retried: a 404 is permanent"
