"""Faults bench/chaos.py found in the real server (issue 8), each kept from returning.

- Signed requests whose fields have types no Slack request has made slack-bolt raise
  while it built the request, matched listeners or even ran its error handler: 500s.
  They get 400 now; only a failure to store a real request still answers 5xx (so that
  Slack delivers it again).
- An unsigned request whose signature header was not ASCII: 500 (hmac raised).
- A signed message whose ids (ts, user) held a NUL or a lone surrogate could not be
  stored (only its text was sanitised): 500, on SQLite and on PostgreSQL.
- On SQLite a deleted last row's id goes to the next row stored. An agent's action
  consumed its inbox row, then the worker dropped "its" row by id: a customer's message
  stored in between had taken that id and was lost, acknowledged (50 journeys, 1 lost).
  A turn running late consumed by id the same way.
- A 40,000-character token made language detection (on the event loop) take about
  30 s: a regular expression backtracked quadratically; /healthz stalled meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import delete

from bot.app import App
from bot.core.contract import InboundMessage
from knowledge.language import detect_language
from storage.tables import InboxRow
from tests.fakes.slack_api import FakeSlackApi, dm_event, event_envelope, form
from tests.harness import Chat, Clock, all_rows
from tests.slack_harness import SlackBot, people, running_bot, slack_settings
from tests.test_slack_desk import DM, OLLI, next_ts, to_customer

QUESTION = "Mikä Java-versio Windchill 12:lle?"


@pytest.fixture
async def bot(database_url: str, clock: Clock) -> AsyncIterator[SlackBot]:
    async with FakeSlackApi() as api:
        people(api)
        api.add_user(OLLI[0], name=OLLI[1], email=OLLI[2])
        async with running_bot(slack_settings(database_url, api, demo=True), api, clock) as bot:
            yield bot


def _envelope(**fields: Any) -> str:
    return json.dumps({**event_envelope(dm_event(OLLI[0], "hei", ts=next_ts())), **fields})


def _click(**fields: Any) -> str:
    payload = {"type": "block_actions", "user": {"id": OLLI[0]}, "team": {"id": "T0ECONO"},
               "actions": [{"action_id": "tuki.button", "value": "x"}], **fields}  # fmt: skip
    return form(payload)


MALFORMED = [
    (_envelope(user=1.5), "application/json"),  # bolt reads ids as it builds the request
    (_envelope(view="not a view", type=None), "application/json"),  # its unhandled log
    (_click(actions=[]), "application/x-www-form-urlencoded"),  # its kwargs: actions[0]
    (_click(actions=None), "application/x-www-form-urlencoded"),  # … in its error handler
    (_click(actions=["tuki.button"]), "application/x-www-form-urlencoded"),  # its matchers
    (_click(actions={"0": 1}), "application/x-www-form-urlencoded"),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
async def test_a_signed_request_of_a_shape_slack_never_sends_gets_a_4xx(
    bot: SlackBot, body: str, content_type: str
) -> None:
    before = await all_rows(bot.app)
    response = await bot.post(body, content_type=content_type)
    assert 400 <= response.status < 500, response.status
    await bot.settled()
    assert await all_rows(bot.app) == before


async def test_a_signature_that_is_not_ascii_is_refused_not_a_5xx(bot: SlackBot) -> None:
    """hmac.compare_digest raised on it: an unsigned request answered 500."""
    body = _envelope()
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Slack-Signature": "v0=ää",
               "X-Slack-Request-Timestamp": stamp}  # fmt: skip
    response = await bot.client.post("/slack/events", data=body.encode(), headers=headers)
    assert response.status == 401


async def test_a_request_that_could_not_be_stored_still_gets_a_5xx_and_its_retry_is_answered(
    bot: SlackBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(message: object, **kwargs: object) -> bool:
        raise OSError("the database went away")

    event = dm_event(OLLI[0], QUESTION, ts=next_ts())
    with monkeypatch.context() as down:
        down.setattr(bot.app.inbox, "accept", broken)
        assert (await bot.event(event)).status >= 500, "Slack must deliver it again"
    assert (await bot.event(event)).status == 200
    await bot.settled()
    assert any("Java 11" in text for text in to_customer(bot.api))


async def test_a_signed_message_whose_ids_hold_a_nul_or_a_lone_surrogate_is_stored(
    bot: SlackBot,
) -> None:
    """The text was sanitised, the ids were not: storing the message failed (500)."""
    event = dm_event(OLLI[0], QUESTION, ts="1795100000.\ud800\x00")
    event["client_msg_id"] = "\udfff"
    assert (await bot.event(event)).status == 200
    await bot.settled()
    assert any("Java 11" in text for text in to_customer(bot.api))


def test_language_detection_of_a_40000_character_token_takes_no_time() -> None:
    started = time.perf_counter()
    assert detect_language("x" * 40_000, default="en") == "en"
    assert time.perf_counter() - started < 2.0, "it took about 30 s on the 2-core machine"


async def test_healthz_answers_while_a_40000_character_token_is_handled(bot: SlackBot) -> None:
    """The client shares the server's event loop here, so the gaps between its polls show
    any time the loop was blocked (a request in flight then would have waited as long)."""
    polls: list[float] = []
    polling_started = asyncio.Event()

    async def poll() -> None:
        while True:
            assert (await bot.client.get("/healthz")).status == 200
            polls.append(time.perf_counter())
            polling_started.set()
            await asyncio.sleep(0.02)

    polling = asyncio.create_task(poll())
    try:
        await asyncio.wait_for(polling_started.wait(), 60)
        assert (await bot.event(dm_event(OLLI[0], "x" * 40_000, ts=next_ts()))).status == 200
        await bot.api.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == DM)
        await bot.settled()
        await asyncio.sleep(0.1)
    finally:
        polling.cancel()
    gaps = [later - earlier for earlier, later in pairwise(polls)]
    assert gaps and max(gaps) < 2.0, f"the event loop was blocked for {max(gaps):.1f} s"


async def test_a_message_stored_while_an_agents_action_is_handled_is_not_dropped_with_it(
    app: App,
) -> None:
    workers = app.workers({})
    customer = Chat(app, conversation="dm-customer").message(QUESTION)

    async def consume_then_a_message_arrives(message: InboundMessage, inbox_id: int) -> None:
        async with app.database.sessions() as session, session.begin():
            await session.execute(delete(InboxRow).where(InboxRow.id == inbox_id))
        await workers.accept(customer)  # SQLite gives it the id just freed

    workers.handle_kind("agent-action", consume_then_a_message_arrives)
    agent = Chat(app, user="maija@econocap.example", conversation="desk:1").message("ota 1")
    await workers.accept(replace(agent, kind="agent-action"))
    await workers.drain()
    answered = await Chat(app, conversation="dm-customer").receive()
    assert any("Java 11" in reply.text for reply in answered), "the customer's message was lost"


async def test_a_late_turn_consumes_only_its_own_inbox_row(app: App) -> None:
    first = Chat(app, conversation="dm-1").message(QUESTION)
    second = Chat(app, user="anna@asiakas.fi", conversation="dm-2").message(QUESTION)
    await app.inbox.accept(first, conversation_key=app.engine.conversation_key(first))
    [row] = (await all_rows(app))["inbox"]
    async with app.database.sessions() as session, session.begin():  # served elsewhere
        await session.execute(delete(InboxRow).where(InboxRow.id == row["id"]))
    await app.inbox.accept(second, conversation_key=app.engine.conversation_key(second))
    await app.engine.turn(first, inbox_id=row["id"])  # a worker whose lease had run out
    assert len((await all_rows(app))["inbox"]) == 1, "the second message is still waiting"


async def test_inbox_claims_at_once_take_different_conversations_each_in_order(
    app: App, clock: Clock
) -> None:
    """Workers claiming at once (on PostgreSQL; SQLite has one writer) take the oldest
    message of eight conversations, none twice and none empty-handed while one waits; a
    conversation's second message waits for its first."""
    for n in range(8):
        chat = Chat(app, user=f"user{n}@asiakas.fi", conversation=f"dm-{n}")
        for text in ("first", "second"):
            message = chat.message(f"{text} {n}")
            await app.inbox.accept(message, conversation_key=app.engine.conversation_key(message))

    async def claim(limit: int = 1) -> list[Any]:
        return await app.inbox.claim(at=clock.now, lease_seconds=60, limit=limit)

    if app.database.dialect == "sqlite":
        claims = [await claim() for _ in range(8)]
    else:
        claims = await asyncio.gather(*(claim() for _ in range(8)))
    assert [len(c) for c in claims] == [1] * 8, "a claim came back empty while messages waited"
    taken = [c[0] for c in claims]
    assert sorted(i.message.text for i in taken) == [f"first {n}" for n in range(8)]
    assert await claim(limit=20) == [], "a second message went before its conversation's first"
    for item in taken:
        await app.inbox.drop(item.id, item.message)
    seconds = await claim(limit=20)
    assert sorted(i.message.text for i in seconds) == [f"second {n}" for n in range(8)]
