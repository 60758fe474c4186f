"""Customers in Teams, through the real server and the real Agents SDK, against fakes of
Microsoft's endpoints (keys, tokens, the connector) that speak the real wire formats.

Every request carries a bearer token signed like Bot Framework signs it; assertions
are on the connector calls the fake recorded and on the database. Waits are on
events, never sleeps.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from microsoft_agents.activity import Activity

from bot.channels.teams.activities import message_of
from bot.channels.teams.channel import TeamsChannel
from bot.channels.teams.mount import TeamsMount
from bot.core.texts import Catalogue
from tests.fakes.teams_api import (
    TENANT,
    Call,
    FakeTeams,
    channel_post,
    execute,
    personal,
)
from tests.harness import Clock, all_rows
from tests.teams_harness import (
    ACK,
    CUSTOMER_CHANNEL,
    MATTI,
    OUTSIDER,
    TeamsBot,
    people,
    running_teams,
    teams_settings,
    who,
)

TEXTS = Catalogue.load()
# Consent is asked before a hand-over: most tests here start with a request for a person.
QUESTION = "Haluan puhua ihmisen kanssa"
ANSWERED = "Mikä Java-versio Windchill 12:lle?"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTeams]:
    async with FakeTeams() as fake:
        people(fake)
        yield fake


@pytest.fixture
async def bot(database_url: str, fake: FakeTeams, clock: Clock) -> AsyncIterator[TeamsBot]:
    async with running_teams(teams_settings(database_url, fake), fake, clock) as bot:
        yield bot


def consent_card(call: Call) -> bool:
    return any(is_accept(a) for a in call.actions())


def is_accept(action: dict) -> bool:
    """The accept button; its value carries the (sealed) hand-over after "|"."""
    return str(action["data"].get("tuki", "")).split("|")[0] == "consent:accept"


async def test_a_personal_chat_gets_an_answer_and_a_consent_card_before_a_hand_over(
    bot: TeamsBot,
) -> None:
    started = time.perf_counter()
    response = await bot.post(personal(bot.fake.service_url, who(MATTI), ANSWERED))
    assert response.status in ACK
    assert time.perf_counter() - started < 5, "answered at once; the turn runs later"
    await bot.settled()
    assert any("Windchill" in c.all_text() for c in bot.fake.posted())
    assert not bot.fake.posted(consent_card), "an answer stores nothing: no consent asked"
    await bot.post(personal(bot.fake.service_url, who(MATTI), QUESTION))
    await bot.fake.wait_for("POST", where=consent_card)
    posted = bot.fake.posted()
    assert {c.conversation for c in posted} == {"a:personal-matti"}
    consent = posted[-1]
    card = consent.card
    assert card is not None and card["version"] == "1.5"
    actions = consent.actions()
    assert [a["type"] for a in actions] == ["Action.Execute", "Action.Execute"]
    assert all(a["fallback"]["type"] == "Action.Submit" for a in actions)
    assert [a["title"] for a in actions] == [
        TEXTS.get("fi", "consent_text.accept"),
        TEXTS.get("fi", "consent_text.decline"),
    ]
    await bot.settled()
    assert (await all_rows(bot.app))["users"] == [], "nothing personal before consent"
    assert bot.fake.token_requests[0]["client_id"] == [bot.app.settings.teams_app_id]


async def test_a_click_redraws_the_card_and_records_consent_with_the_members_email(
    bot: TeamsBot,
) -> None:
    await bot.post(personal(bot.fake.service_url, who(MATTI), QUESTION))
    (card,) = await bot.fake.wait_for("POST", where=consent_card)
    accept = next(a for a in card.actions() if is_accept(a))
    response = await bot.post(execute(bot.fake.service_url, who(MATTI), card, accept))
    assert response.status in ACK
    answer = await response.json()
    assert answer["statusCode"] == 200 and answer["type"].endswith("card.adaptive")
    redrawn = answer["value"]
    assert "actions" not in redrawn, "cannot be clicked twice"
    assert TEXTS.get("fi", "consent_text.accept") in redrawn["body"][-1]["text"]
    await bot.settled()
    following = bot.fake.posted()[-1]
    assert TEXTS.get("fi", "handover.ask_product") in following.all_text(), "goes on"
    rows = await all_rows(bot.app)
    (user,) = rows["users"]
    assert (user["channel"], user["external_id"], user["email"]) == ("teams", *MATTI[::2])
    # The same card clicked again (another button, a double click) counts once.
    before = len(bot.fake.posted())
    decline = next(a for a in card.actions() if a["data"]["tuki"] == "consent:decline")
    await bot.post(execute(bot.fake.service_url, who(MATTI), card, decline))
    await bot.settled()
    assert len(bot.fake.posted()) == before
    assert len((await all_rows(bot.app))["consents"]) == 1


async def test_a_mention_in_a_shared_channel_is_answered_in_its_thread(bot: TeamsBot) -> None:
    post = channel_post(bot.fake.service_url, who(MATTI), "Can I talk to a support engineer?",
                        channel=CUSTOMER_CHANNEL)  # fmt: skip
    assert (await bot.post(post)).status in ACK
    await bot.fake.wait_for("POST", where=consent_card)
    thread = f"{CUSTOMER_CHANNEL};messageid={post['id']}"
    assert {c.conversation for c in bot.fake.posted()} == {thread}
    asked = TEXTS.get("en", "consent_text.needed_for_handover", phone="", email="")
    assert asked[:40] in bot.fake.posted()[0].all_text()
    await bot.settled()
    (stored,) = (await all_rows(bot.app))["processed_messages"] or [None]
    assert stored is not None


async def test_a_channel_post_without_a_mention_is_not_answered(bot: TeamsBot) -> None:
    post = channel_post(bot.fake.service_url, who(MATTI), "just chatting", mention=False,
                        channel=CUSTOMER_CHANNEL)  # fmt: skip
    assert (await bot.post(post)).status in ACK
    await bot.settled()
    assert bot.fake.calls == []


async def test_a_retried_activity_is_handled_once(bot: TeamsBot) -> None:
    activity = personal(bot.fake.service_url, who(MATTI), QUESTION)
    await asyncio.gather(bot.post(activity), bot.post(activity))
    await bot.fake.wait_for("POST", where=consent_card)
    await bot.settled()
    answered = len(bot.fake.posted())
    assert (await bot.post(activity)).status in ACK
    await bot.settled()
    assert len(bot.fake.posted()) == answered
    assert len(bot.fake.posted(consent_card)) == 1


async def test_any_process_finds_the_senders_email_from_the_stored_message(bot: TeamsBot) -> None:
    mount = bot.served.mount("teams")
    assert isinstance(mount, TeamsMount)
    activity = Activity.model_validate(personal(bot.fake.service_url, who(MATTI), "Hei"))
    message = message_of(activity, "a:personal-matti", tenant=TENANT)
    another_process = TeamsChannel(mount.channel.connector)  # has seen nobody
    assert message.sender.email is None
    found = await another_process.identify_in(message)
    assert (found.id, found.name, found.email) == MATTI
    lookups = bot.fake.member_lookups
    assert (await another_process.identify_in(message)).email == MATTI[2]
    assert bot.fake.member_lookups == lookups, "cached for a while"


async def test_an_action_submit_fallback_counts_and_redraws_the_card(bot: TeamsBot) -> None:
    fake = bot.fake
    await bot.post(personal(fake.service_url, who(MATTI), QUESTION))
    (card,) = await fake.wait_for("POST", where=consent_card)
    accept = next(a for a in card.actions() if is_accept(a))
    # An older client sends the fallback's data as a message replying to the card.
    submit = personal(fake.service_url, who(MATTI), "")
    submit.update(value=accept["fallback"]["data"], replyToId=card.answer_id)
    del submit["text"]
    assert (await bot.post(submit)).status in ACK
    (redrawn,) = await fake.wait_for("PUT", where=lambda c: c.activity_id == card.answer_id)
    assert not redrawn.actions() and "✔" in redrawn.all_text()
    await bot.settled()
    assert len((await all_rows(bot.app))["consents"]) == 1


async def test_a_retry_reaching_another_process_is_handled_once(
    bot: TeamsBot, fake: FakeTeams, clock: Clock
) -> None:
    activity = personal(fake.service_url, who(MATTI), QUESTION)
    async with running_teams(bot.app.settings, fake, clock) as other:
        first, retry = await asyncio.gather(bot.post(activity), other.post(activity))
        assert first.status in ACK and retry.status in ACK
        await fake.wait_for("POST", where=consent_card)
        await asyncio.gather(bot.settled(), other.settled())
    assert len(fake.posted(consent_card)) == 1
    assert len(fake.posted()) == 1, "one turn, one reply"


async def test_consent_in_a_channel_thread_is_the_clicking_users(bot: TeamsBot) -> None:
    post = channel_post(bot.fake.service_url, who(MATTI), "Can I talk to a support engineer?",
                        channel=CUSTOMER_CHANNEL)  # fmt: skip
    await bot.post(post)
    (card,) = await bot.fake.wait_for("POST", where=consent_card)
    thread = f"{CUSTOMER_CHANNEL};messageid={post['id']}"
    assert card.conversation == thread
    accept = next(a for a in card.actions() if is_accept(a))
    click = execute(bot.fake.service_url, who(MATTI), card, accept,
                    conversation={"id": thread, "conversationType": "channel"})
    answer = await (await bot.post(click)).json()
    assert "actions" not in answer["value"]
    await bot.settled()
    (user,) = (await all_rows(bot.app))["users"]
    assert (user["external_id"], user["email"]) == (MATTI[0], MATTI[2])
    assert bot.fake.posted()[-1].conversation == thread, "the thanks go to the thread"


async def test_an_activity_that_cannot_be_stored_fails_the_request_and_tells_nobody(
    bot: TeamsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    mount = bot.served.mount("teams")
    assert isinstance(mount, TeamsMount) and mount.inbound is not None

    async def database_down(message: object) -> None:
        raise ConnectionError("database down")

    monkeypatch.setattr(mount.inbound, "_store", database_down)
    response = await bot.post(personal(bot.fake.service_url, who(MATTI), QUESTION))
    assert response.status == 500, "not acknowledged: Teams delivers it again"
    await bot.settled()
    assert bot.fake.calls == [], "the SDK's default error message never reaches the user"


async def test_a_bystander_in_a_shared_thread_is_answered_privately(bot: TeamsBot) -> None:
    post = channel_post(bot.fake.service_url, who(MATTI), "Which JDK does Windchill need?",
                        channel=CUSTOMER_CHANNEL)  # fmt: skip
    await bot.post(post)
    await bot.fake.wait_for("POST")  # the answer (no consent is asked for an answer)
    await bot.settled()
    before = len(bot.fake.posted())
    other = channel_post(bot.fake.service_url, who(OUTSIDER), "Me too: which JDK?",
                         channel=CUSTOMER_CHANNEL, root=post["id"])  # fmt: skip
    assert (await bot.post(other)).status in ACK
    await bot.settled()
    answers = bot.fake.posted()[before:]
    assert answers and all(c.targeted for c in answers), "only the bystander sees them"
    assert {c.body["recipient"]["id"] for c in answers} == {OUTSIDER[0]}
    assert (await all_rows(bot.app))["users"] == []
