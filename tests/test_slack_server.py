"""Customers in Slack, through the real server and slack-bolt, against a fake Slack API.

Every request is signed like Slack signs it; assertions are on the Web API
calls the fake received and on the database. Waits are on events, not sleeps.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator

import pytest

from bot.channels.slack.mount import SlackMode, SlackMount
from bot.core.texts import Catalogue
from tests.fakes.slack_api import (
    FakeSlackApi,
    click,
    dm_event,
    event_envelope,
    mention_event,
    sign,
)
from tests.harness import Clock, all_rows
from tests.slack_harness import MATTI, SlackBot, people, running_bot, slack_settings

TEXTS = Catalogue.load()
# Consent is asked before a hand-over: most tests here start with a request for a person.
QUESTION = "Haluan puhua ihmisen kanssa"
ANSWERED = "Mikä Java-versio Windchill 12:lle?"


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi() as api:
        people(api)
        yield api


@pytest.fixture
async def bot(database_url: str, api: FakeSlackApi, clock: Clock) -> AsyncIterator[SlackBot]:
    async with running_bot(slack_settings(database_url, api), api, clock) as bot:
        yield bot


def consent_buttons(call) -> bool:
    return any(b["value"].split("|")[0] == "consent:accept" for b in call.buttons())


def delivered_consent(call) -> bool:
    return consent_buttons(call) and call.answer.get("ok") is True


def helpful_buttons(call) -> bool:
    return any(b["value"].startswith("helpful:") for b in call.buttons())


async def test_a_dm_gets_an_answer_at_once_without_a_consent_block(bot: SlackBot) -> None:
    started = time.perf_counter()
    response = await bot.event(dm_event(MATTI[0], ANSWERED, ts="1795000000.000100"))
    assert response.status == 200
    assert time.perf_counter() - started < 3, "acknowledged within Slack's 3 seconds"
    await bot.api.wait_for("chat.postMessage", where=helpful_buttons)
    await bot.settled()
    posted = bot.api.posted()
    assert all(c.args["channel"] == "D0MATTI" and not c.args.get("thread_ts") for c in posted)
    assert all(c.token == "xoxb-test-token" for c in bot.api.calls)
    answer, helpful = posted
    assert "Windchill" in answer.text
    assert "<https://support.ptc.com/help/windchill/|" in answer.text
    assert [b["value"] for b in helpful.buttons()] == [
        "helpful:yes:windchill-java",
        "helpful:no:windchill-java",
    ]
    assert len({b["action_id"] for c in posted for b in c.buttons()}) == 2
    # Who wrote was looked up once, and nothing about them is stored before consent.
    assert len(bot.api.calls_to("users.info")) == 1
    await bot.settled()
    assert (await all_rows(bot.app))["users"] == []


async def test_clicking_consent_updates_the_message_and_records_consent(bot: SlackBot) -> None:
    await bot.event(dm_event(MATTI[0], QUESTION, ts="1795000000.000100"))
    (question,) = await bot.api.wait_for("chat.postMessage", where=consent_buttons)
    response = await bot.interact(click(question, "consent:accept", user=MATTI[0]))
    assert response.status == 200
    (update,) = await bot.api.wait_for("chat.update")
    assert update.args["channel"] == "D0MATTI" and update.args["ts"] == question.answer["ts"]
    assert not [b for b in update.blocks if b["type"] == "actions"], "cannot be clicked again"
    assert TEXTS.get("fi", "consent_text.accept") in update.blocks[-1]["elements"][0]["text"]
    await bot.settled()
    following = bot.api.posted()[-1]
    assert following.text == TEXTS.get("fi", "handover.ask_product"), "the hand-over goes on"
    rows = await all_rows(bot.app)
    (user,) = rows["users"]
    assert (user["channel"], user["external_id"], user["email"]) == ("slack", *MATTI[::2])
    assert user["name"] == MATTI[1]
    assert len(rows["consents"]) == 1


async def test_a_second_click_on_the_same_message_counts_once(bot: SlackBot) -> None:
    await bot.event(dm_event(MATTI[0], QUESTION, ts="1795000000.000100"))
    (question,) = await bot.api.wait_for("chat.postMessage", where=consent_buttons)
    before = len(bot.api.posted())
    await asyncio.gather(
        bot.interact(click(question, "consent:accept", user=MATTI[0])),
        bot.interact(click(question, "consent:decline", user=MATTI[0])),
    )
    await bot.settled()
    assert len(bot.api.posted()) == before + 1
    assert len((await all_rows(bot.app))["processed_messages"]) == 2


async def test_a_mention_is_answered_in_a_thread(bot: SlackBot) -> None:
    event = mention_event(
        MATTI[0], "Can I talk to a support engineer?", ts="1795000100.000200", channel="C0SHARED"
    )
    assert (await bot.event(event)).status == 200
    await bot.api.wait_for("chat.postMessage", where=consent_buttons)
    posted = bot.api.posted()
    assert {(c.args["channel"], c.args["thread_ts"]) for c in posted} == {
        ("C0SHARED", "1795000100.000200")
    }
    asked = TEXTS.get("en", "consent_text.needed_for_handover", phone="", email="")
    assert posted[0].text.startswith(asked[:40])


async def test_a_retried_event_is_answered_once(bot: SlackBot) -> None:
    event = dm_event(MATTI[0], QUESTION, ts="1795000000.000100")
    await bot.event(event)
    await bot.api.wait_for("chat.postMessage", where=consent_buttons)
    await bot.settled()
    answered = len(bot.api.posted())
    retry = await bot.event(
        event, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert retry.status == 200
    await bot.settled()
    assert len(bot.api.posted()) == answered


async def test_two_deliveries_of_one_event_at_once_are_answered_once(bot: SlackBot) -> None:
    event = dm_event(MATTI[0], QUESTION, ts="1795000000.000100")
    await asyncio.gather(bot.event(event), bot.event(event, **{"X-Slack-Retry-Num": "1"}))
    await bot.settled()
    assert len(bot.api.posted(consent_buttons)) == 1


async def test_bots_and_other_workspaces_are_ignored(bot: SlackBot) -> None:
    other_bot = {
        **dm_event("U0CIBOT", "Build passed", ts="1795000200.000400"),
        "bot_id": "B0CIBOT",
        "subtype": "bot_message",
    }
    own = {**dm_event("U0TUKIBOT", "Hei!", ts="1795000200.000500"), "bot_id": "B0TUKIBOT"}
    edit = {**dm_event(MATTI[0], QUESTION, ts="1795000200.000600"), "subtype": "message_changed"}
    for event in (other_bot, own, edit):
        assert (await bot.event(event)).status == 200
    foreign = dm_event(MATTI[0], QUESTION, ts="1795000200.000700")
    assert (await bot.event(foreign, team="T0OTHER")).status == 200
    await bot.settled()
    assert bot.api.posted() == [] and bot.api.calls_to("users.info") == []
    assert (await all_rows(bot.app))["processed_messages"] == []


async def test_a_forged_signature_is_refused_and_changes_nothing(bot: SlackBot) -> None:
    before = await all_rows(bot.app)
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0ECONO",
            "event": dm_event(MATTI[0], QUESTION, ts="1795000300.000100"),
        }
    )
    forged = sign(body, "not-the-secret")
    response = await bot.client.post(
        "/slack/events", data=body, headers={"Content-Type": "application/json", **forged}
    )
    assert response.status == 401
    unsigned = await bot.client.post(
        "/slack/events", data=body, headers={"Content-Type": "application/json"}
    )
    assert unsigned.status == 401
    await bot.settled()
    assert bot.api.calls == [] and await all_rows(bot.app) == before


async def test_a_stale_request_is_refused(bot: SlackBot) -> None:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0ECONO",
            "event": dm_event(MATTI[0], QUESTION, ts="1795000300.000100"),
        }
    )
    stale = sign(body, bot.secret, timestamp=int(time.time()) - 6 * 60)
    response = await bot.client.post(
        "/slack/events", data=body, headers={"Content-Type": "application/json", **stale}
    )
    assert response.status == 401
    await bot.settled()
    assert bot.api.calls == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
    ],
)
async def test_a_malformed_body_gets_400_and_stores_nothing(
    bot: SlackBot, body: str, content_type: str
) -> None:
    before = await all_rows(bot.app)
    assert (await bot.post(body, content_type=content_type)).status == 400
    forged = {"Content-Type": content_type, **sign(body, "not-the-secret")}
    assert (await bot.client.post("/slack/events", data=body, headers=forged)).status == 401
    assert bot.api.calls == [] and await all_rows(bot.app) == before


async def test_a_rate_limited_web_api_still_delivers(bot: SlackBot) -> None:
    bot.api.fail("chat.postMessage", status=429, retry_after=1)
    await bot.event(dm_event(MATTI[0], QUESTION, ts="1795000000.000100"))
    await bot.api.wait_for("chat.postMessage", where=delivered_consent)
    calls = bot.api.calls_to("chat.postMessage")
    assert calls[0].answer == {"ok": False, "error": "ratelimited"}
    assert calls[1].args == calls[0].args, "the same message again, after Retry-After"
    assert len(bot.api.posted()) == 1


async def test_a_server_error_is_retried(bot: SlackBot) -> None:
    bot.api.fail("chat.postMessage", status=500, retry_after=None, error="internal_error")
    await bot.event(dm_event(MATTI[0], QUESTION, ts="1795000000.000100"))
    await bot.api.wait_for("chat.postMessage", where=delivered_consent)
    assert len(bot.api.posted()) == 1


async def test_the_url_verification_handshake(bot: SlackBot) -> None:
    body = json.dumps(
        {
            "token": "x",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    response = await bot.post(body, content_type="application/json")
    assert response.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in await response.text()


async def test_healthz_answers_when_server_and_database_are_up(
    bot: SlackBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = await bot.client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {
        "server": "up",
        "slack": "http",
        "web": "http",
        "status": "ok",
        "database": "up",
    }

    async def down() -> bool:
        raise ConnectionRefusedError("database is gone")

    monkeypatch.setattr(bot.app.database, "ping", down)
    response = await bot.client.get("/healthz")
    assert response.status == 503
    body = await response.json()
    assert body["status"] == "unavailable" and body["reason"] == "database: ConnectionRefusedError"


async def test_without_slack_settings_the_server_runs_without_slack(
    sqlite_url: str, api: FakeSlackApi, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    settings = slack_settings(sqlite_url, api, slack_bot_token=None, slack_signing_secret=None)
    with caplog.at_level(logging.INFO, logger="bot.channels.slack.mount"):
        async with running_bot(settings, api, clock) as bot:
            assert (await bot.client.get("/healthz")).status == 200
            assert (await bot.post("{}", content_type="application/json")).status == 404
    (line,) = [r.getMessage() for r in caplog.records if r.name == "bot.channels.slack.mount"]
    assert line.startswith("slack off")


async def test_logs_carry_no_message_text_names_or_emails(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await bot.event(dm_event(MATTI[0], QUESTION, ts="1795000000.000100"))
        (question,) = await bot.api.wait_for("chat.postMessage", where=consent_buttons)
        await bot.interact(click(question, "consent:accept", user=MATTI[0]))
        await bot.api.wait_for("chat.update")
        await bot.settled()
    ours = [
        r.getMessage() for r in caplog.records if r.name.startswith(("bot", "handlers", "storage"))
    ]
    assert ours, "the turns were logged"
    for needle in ("Windchill", "Matti", "matti.meikalainen", "Java"):
        assert not any(needle in line for line in ours), needle


async def test_socket_mode_serves_slack_without_a_public_endpoint(
    sqlite_url: str, api: FakeSlackApi, clock: Clock
) -> None:
    settings = slack_settings(sqlite_url, api, slack_app_token="xapp-1-test")
    async with running_bot(settings, api, clock) as bot:
        slack = bot.served.mount("slack")
        assert isinstance(slack, SlackMount) and slack.mode is SlackMode.SOCKET
        await api.wait_for("socket_connected")
        (opened,) = api.calls_to("apps.connections.open")
        assert opened.token == "xapp-1-test"
        assert (await bot.post("{}", content_type="application/json")).status == 404
        event = event_envelope(dm_event(MATTI[0], QUESTION, ts="1795000400.000100"))
        envelope_id = await api.socket_send(event)
        await api.wait_for("socket_ack", where=lambda c: c.args["envelope_id"] == envelope_id)
        await api.wait_for("chat.postMessage", where=consent_buttons)
        assert (await bot.client.get("/healthz")).status == 200
