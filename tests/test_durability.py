"""Nothing acknowledged is ever lost (issue 8): store, then acknowledge; record, then send.

The real server and slack-bolt in front of the fake Slack API. A "crash" is a server
whose inbox workers never run: it acknowledges (the message is stored) and dies;
another process on the same database then serves what it left.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.engine.inbox import InboxWorkers
from tests.fakes.slack_api import ApiCall, FakeSlackApi, click, dm_event, event_envelope, sign
from tests.harness import Clock, all_rows
from tests.slack_harness import AGENT_CHANNEL, MAIJA, people, running_bot, slack_settings
from tests.test_slack_desk import DM, OLLI, PROBLEM, next_ts, taken, thread_post, to_customer

QUESTION = "Mikä Java-versio Windchill 12:lle?"
PERSON = "Haluan puhua ihmisen kanssa"  # consent is asked before a hand-over


def offers_consent(call: ApiCall) -> bool:
    return any(b["value"].split("|")[0] == "consent:accept" for b in call.buttons())


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi() as api:
        people(api)
        api.add_user(OLLI[0], name=OLLI[1], email=OLLI[2])
        yield api


def settings_for(database_url: str, api: FakeSlackApi):
    return slack_settings(database_url, api, slack_agent_channel=AGENT_CHANNEL, demo=True)


async def nothing(self: InboxWorkers) -> int:  # a process that dies right after its ack
    return 0


async def test_a_message_acknowledged_by_a_process_that_dies_is_answered_by_another(
    database_url: str, api: FakeSlackApi, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as dying:
        dying.setattr(InboxWorkers, "take", nothing)
        async with running_bot(settings_for(database_url, api), api, clock) as first:
            response = await first.event(dm_event(OLLI[0], QUESTION, ts=next_ts()))
            assert response.status == 200, "acknowledged"
            [stored] = (await all_rows(first.app))["inbox"]
            assert stored["attempts"] == 0
    assert api.posted() == [], "the dead process answered nothing"
    async with running_bot(settings_for(database_url, api), api, clock) as second:
        await second.settled()
        assert any("Java 11" in t for t in to_customer(api)), "served by the other process"
        assert (await all_rows(second.app))["inbox"] == []


async def test_an_agents_reply_acknowledged_by_a_dying_process_reaches_the_customer_once(
    database_url: str, api: FakeSlackApi, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(settings_for(database_url, api), api, clock) as bot:
        card_ts = await taken(bot)
    with monkeypatch.context() as dying:
        dying.setattr(InboxWorkers, "take", nothing)
        async with running_bot(settings_for(database_url, api), api, clock) as first:
            ts = next_ts()
            await thread_post(first, MAIJA[0], "Kokeile asetusta 7788", card_ts, ts)
            await thread_post(first, MAIJA[0], "Kokeile asetusta 7788", card_ts, ts)  # retried
            assert len((await all_rows(first.app))["inbox"]) == 1, "stored once"
    async with running_bot(settings_for(database_url, api), api, clock) as second:
        await second.settled()
        assert len([t for t in to_customer(api) if "7788" in t]) == 1


async def test_a_click_is_stored_before_its_buttons_change(
    database_url: str, api: FakeSlackApi, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(settings_for(database_url, api), api, clock) as bot:
        await bot.event(dm_event(OLLI[0], PERSON, ts=next_ts()))
        await bot.settled()
        [consent] = api.posted(offers_consent)
        stored_first: list[bool] = []
        original = bot.app.inbox.accept

        async def accept(message, **kwargs):  # the buttons must not have changed yet
            stored_first.append(not api.calls_to("chat.update"))
            return await original(message, **kwargs)

        monkeypatch.setattr(bot.app.inbox, "accept", accept)
        await bot.interact(click(consent, "consent:accept", user=OLLI[0]))
        await bot.settled()
        assert stored_first == [True]
        assert api.calls_to("chat.update"), "then the choice shows in place"


async def test_a_burst_of_retried_events_is_answered_exactly_once_without_apologies(
    database_url: str, api: FakeSlackApi, clock: Clock
) -> None:
    customers = [(f"U0C{i:03d}", f"D0C{i:03d}") for i in range(40)]
    for user, _ in customers:
        api.add_user(user, name=f"Asiakas {user}", email=f"{user.lower()}@konepaja.example")
    async with running_bot(settings_for(database_url, api), api, clock) as bot:
        events = [dm_event(user, QUESTION, ts=next_ts(), channel=dm) for user, dm in customers]
        deliveries = [bot.event(e) for e in events for _ in range(3)]  # Slack retries
        statuses = [r.status for r in await asyncio.gather(*deliveries)]
        assert set(statuses) == {200}
        await bot.settled()
    for _, dm in customers:
        answers = [c for c in api.posted(lambda c, dm=dm: c.args["channel"] == dm)
                   if "Java 11" in c.text]  # fmt: skip
        assert len(answers) == 1, f"{dm}: {len(answers)} answers"
    assert not api.posted(lambda c: "Pahoittelut" in c.text), "no apology"


async def test_unsigned_deeply_nested_json_is_refused_before_it_is_parsed(
    database_url: str, api: FakeSlackApi, clock: Clock
) -> None:
    async with running_bot(settings_for(database_url, api), api, clock) as bot:
        before = await all_rows(bot.app)
        body = "[" * 100_000 + "]" * 100_000
        response = await bot.client.post(
            "/slack/events", data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status == 401
        deep = json.dumps(event_envelope(dm_event(OLLI[0], "x", ts=next_ts())))
        forged = {"Content-Type": "application/json", **sign(deep, "wrong-secret")}
        assert (await bot.client.post("/slack/events", data=deep, headers=forged)).status == 401
        assert await all_rows(bot.app) == before and api.posted() == []


async def test_nul_bytes_and_lone_surrogates_are_stored_safely_and_never_logged(
    database_url: str, api: FakeSlackApi, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(settings_for(database_url, api), api, clock) as bot:
        await bot.event(dm_event(OLLI[0], PERSON, ts=next_ts()))
        await bot.settled()
        [consent] = api.posted(offers_consent)
        await bot.interact(click(consent, "consent:accept", user=OLLI[0]))
        await bot.settled()
        hostile = "Creo\x00 kaatuu \ud800 aina"
        body = json.dumps(event_envelope(dm_event(OLLI[0], hostile, ts=next_ts())))
        signed = {"Content-Type": "application/json", **sign(body, bot.secret)}
        assert (await bot.client.post("/slack/events", data=body, headers=signed)).status == 200
        await bot.settled()
        stored = [m["text"] for m in (await all_rows(bot.app))["messages"]]
        assert any(t == "Creo\ufffd kaatuu \ufffd aina" for t in stored), stored
        assert not api.posted(lambda c: "Pahoittelut" in c.text)
        assert "kaatuu" not in caplog.text


async def test_a_users_info_answer_that_is_not_json_never_drops_the_message(
    database_url: str, api: FakeSlackApi, clock: Clock
) -> None:
    async def html(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html>Bad gateway</html>", content_type="text/html")

    api.override("users.info", html)
    async with running_bot(settings_for(database_url, api), api, clock) as bot:
        await bot.event(dm_event(OLLI[0], QUESTION, ts=next_ts()))
        await bot.settled()
        assert any("Java 11" in t for t in to_customer(api)), "answered without an identity"


async def test_the_agents_confirmation_survives_slack_being_down(
    database_url: str, api: FakeSlackApi, clock: Clock
) -> None:
    from tests.test_slack_desk import open_case

    async with running_bot(settings_for(database_url, api), api, clock) as bot:
        card = await open_case(bot)
        api.fail("chat.postEphemeral", status=503, retry_after=0, times=3)
        await bot.interact(click(card, card.buttons()[0]["value"], user=MAIJA[0]))
        await bot.settled()
        clock.advance(minutes=10)
        await bot.settled()
        told = api.calls_to("chat.postEphemeral", lambda c: c.answer.get("ok") is True)
        assert any("Otit tapauksen" in c.text for c in told), "delivered once Slack was back"


async def test_later_replies_never_overtake_a_retried_one(
    database_url: str, api: FakeSlackApi, clock: Clock
) -> None:
    async with running_bot(settings_for(database_url, api), api, clock) as bot:
        card_ts = await taken(bot)
        api.fail("chat.postMessage", status=503, retry_after=0, times=4, channel=DM)
        await thread_post(bot, MAIJA[0], "Ensimmäinen vastaus", card_ts, next_ts())
        await thread_post(bot, MAIJA[0], "Toinen vastaus", card_ts, next_ts())
        clock.advance(minutes=10)
        await bot.settled()
        relayed = [t for t in to_customer(api) if "vastaus" in t]
        assert relayed == [t for t in relayed if "Ensimmäinen" in t] + [
            t for t in relayed if "Toinen" in t
        ], relayed
        assert len(relayed) == 2 and PROBLEM
