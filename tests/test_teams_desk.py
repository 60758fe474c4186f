"""The whole journey in Teams: a customer's personal chat, consent, an answer, a
hand-over, the case card in the agents' channel, one agent taking it, replies both
ways, a note from the card's dialog that stays internal, bot commands, closing.
Real server, real Agents SDK, fakes of Microsoft's endpoints.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.channels.teams.desk import (
    CLOSE_VERB,
    HANDBACK_VERB,
    NOTE_VERB,
    TAKE_VERB,
    TRANSFER_VERB,
    URGENCY_VERB,
)
from bot.core.records import Direction
from bot.core.texts import Catalogue
from bot.desk.typed import parse_typed
from handlers import actions
from tests.fakes.teams_api import Call, FakeTeams, channel_post, dialog, execute, personal
from tests.harness import Clock, all_rows
from tests.teams_harness import (
    ACK,
    AGENT_CHANNEL,
    MAIJA,
    OLLI,
    OUTSIDER,
    PEKKA,
    TeamsBot,
    people,
    running_teams,
    teams_settings,
    who,
)

TEXTS = Catalogue.load()
PROBLEM = "Creo kaatuu aina kun avaan ison kokoonpanon"
CHAT = "a:personal-olli"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTeams]:
    async with FakeTeams() as fake:
        people(fake)
        yield fake


@pytest.fixture
async def bot(database_url: str, fake: FakeTeams, clock: Clock) -> AsyncIterator[TeamsBot]:
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tuesday 10:00 in Helsinki
    settings = teams_settings(database_url, fake, teams_agent_channel=AGENT_CHANNEL, demo=True)
    async with running_teams(settings, fake, clock) as bot:
        yield bot


async def say(bot: TeamsBot, text: str) -> None:
    assert (await bot.post(personal(bot.fake.service_url, who(OLLI), text))).status in ACK
    await bot.settled()


async def press(bot: TeamsBot, prefix: str) -> dict[str, Any]:
    """Click the newest customer button whose value starts with ``prefix``."""
    await bot.fake.wait_for("POST", where=lambda c: c.conversation == CHAT and any(
        str(a["data"].get("tuki", "")).startswith(prefix) for a in c.actions()))
    for call in reversed(bot.fake.posted(lambda c: c.conversation == CHAT)):
        for action in call.actions():
            if str(action["data"].get("tuki", "")).startswith(prefix):
                response = await bot.post(execute(bot.fake.service_url, who(OLLI), call, action))
                assert response.status in ACK
                await bot.settled()
                return dict(await response.json())
    raise AssertionError(f"no button {prefix!r}")


def to_customer(fake: FakeTeams) -> list[str]:
    return [c.all_text() for c in fake.posted(lambda c: c.conversation == CHAT)]


def thread_of(card: Call) -> str:
    return f"{AGENT_CHANNEL};messageid={card.answer_id}"


def in_thread(fake: FakeTeams, card: Call) -> list[str]:
    return [c.text for c in fake.posted(lambda c: c.conversation == thread_of(card))]


def verb_of(action: dict[str, Any]) -> str:
    if action["type"] == "Action.ShowCard":  # a small form: its one button's verb
        return str(action["card"]["actions"][0]["verb"])
    return str(action.get("verb") or action["data"]["verb"])


def verbs(call: Call) -> list[str]:
    return [verb_of(a) for a in call.actions()]


async def click_card(bot: TeamsBot, card: Call, person: tuple[str, str, str], verb: str,
                     **inputs: str) -> dict[str, Any]:  # fmt: skip
    """Click a case card's button as last drawn (inputs of its form merged into the data,
    as Teams does)."""
    redrawn = [c for c in bot.fake.calls if c.method == "PUT" and c.activity_id == card.answer_id]
    card = redrawn[-1] if redrawn else card
    action = next(a for a in card.actions() if verb_of(a) == verb)
    if action["type"] == "Action.ShowCard":
        action = action["card"]["actions"][0]
    action = {**action, "data": {**action["data"], **inputs}}
    conversation = {"id": thread_of(card), "conversationType": "channel"}
    response = await bot.post(execute(bot.fake.service_url, who(person), card, action,
                                      conversation=conversation))  # fmt: skip
    assert response.status in ACK
    await bot.settled()
    return dict(await response.json())


def is_card(call: Call) -> bool:
    return call.conversation == AGENT_CHANNEL and call.card is not None


async def open_case(bot: TeamsBot) -> Call:
    await say(bot, "Mikä Java-versio Windchill 12:lle?")
    await press(bot, "consent:accept")
    await say(bot, PROBLEM)
    await press(bot, "urgency:2")
    await press(bot, "existing:new")
    (card,) = await bot.fake.wait_for("POST", where=is_card)
    return card


async def take(bot: TeamsBot, card: Call, person: tuple[str, str, str]) -> dict[str, Any]:
    action = next(a for a in card.actions() if a.get("verb") == TAKE_VERB)
    conversation = {"id": thread_of(card), "conversationType": "channel"}
    response = await bot.post(execute(bot.fake.service_url, who(person), card, action,
                                      conversation=conversation))  # fmt: skip
    assert response.status in ACK
    return dict(await response.json())


async def in_case_thread(bot: TeamsBot, card: Call, person: tuple[str, str, str], text: str,
                         *, mention: bool = False) -> dict[str, Any]:  # fmt: skip
    post = channel_post(bot.fake.service_url, who(person), text, channel=AGENT_CHANNEL,
                        root=card.answer_id, mention=mention)  # fmt: skip
    assert (await bot.post(post)).status in ACK
    await bot.settled()
    return post


async def test_the_whole_journey_through_teams(bot: TeamsBot) -> None:
    fake = bot.fake
    card = await open_case(bot)

    # The case is one card in the agents' channel, with everything an agent needs.
    shown = card.all_text()
    for expected in ("Konepaja Esimerkki Oy", OLLI[1], "Creo",
                     TEXTS.get("fi", "handover.urgency_2"), PROBLEM):  # fmt: skip
        assert expected in shown
    assert verbs(card) == [TAKE_VERB, NOTE_VERB, URGENCY_VERB, TRANSFER_VERB, CLOSE_VERB]
    assert card.card is not None and card.card["version"] == "1.5"
    await fake.wait_for("POST", where=lambda c: c.conversation == thread_of(card))
    thread = in_thread(fake, card)
    assert "muistiinpano" in thread[0], "the thread says what goes to the customer"
    assert any(PROBLEM in text for text in thread), "the transcript"

    # Two agents click take at once: exactly one wins, the other is told who has it.
    answers = await asyncio.gather(take(bot, card, MAIJA), take(bot, card, PEKKA))
    assert all(a["statusCode"] == 200 for a in answers)
    await bot.settled()
    (case,) = (await all_rows(bot.app))["cases"]
    winner, loser = (MAIJA, PEKKA) if case["holder"] == MAIJA[2] else (PEKKA, MAIJA)
    assert case["holder"] == winner[2]
    told = in_thread(fake, card)
    assert any("Otit tapauksen" in t for t in told)
    (took,) = fake.posted(lambda c: "Otit tapauksen" in c.text)
    assert took.targeted and took.body["recipient"]["id"] == winner[0], "only the winner sees it"
    assert any(winner[1] in t and "#1" in t for t in told), "the loser sees who has it"
    updated = await fake.wait_for("PUT", where=lambda c: c.activity_id == card.answer_id)
    assert verbs(updated[-1]) == [NOTE_VERB, URGENCY_VERB, TRANSFER_VERB, HANDBACK_VERB,
                                  CLOSE_VERB]  # fmt: skip
    assert winner[1] in updated[-1].all_text()
    first_name = winner[1].split()[0]
    assert any(first_name in t and "liittyi" in t for t in to_customer(fake))

    # The customer's words appear in the case thread.
    await say(bot, "Kokoonpanossa on noin 4000 osaa")
    await fake.wait_for("POST", where=lambda c: c.conversation == thread_of(card)
                        and "4000 osaa" in c.text)  # fmt: skip

    # The holder's reply in the thread reaches the customer; a non-holder's does not.
    await in_case_thread(bot, card, winner, "Kokeile asetusta regen_layout_w_assem_fail")
    await fake.wait_for("POST", where=lambda c: c.conversation == CHAT
                        and "regen_layout_w_assem_fail" in c.text)  # fmt: skip
    await in_case_thread(bot, card, loser, "Tämä on SPR654321, kerro asiakkaalle")
    assert any("ei lähetetty" in t for t in in_thread(fake, card))

    # A retried thread activity is relayed once.
    retried = await in_case_thread(bot, card, winner, "Toimiko?")
    assert (await bot.post(retried)).status in ACK
    await bot.settled()
    assert len([t for t in to_customer(fake) if "Toimiko" in t]) == 1

    # The card's note button opens a dialog; the saved note stays internal.
    note_button = next(a for a in card.actions() if a.get("data", {}).get("verb") == NOTE_VERB)
    assert note_button["data"]["msteams"] == {"type": "task/fetch"}
    opened = await bot.post(dialog(fake.service_url, who(winner), "task/fetch", card,
                                   note_button["data"]))  # fmt: skip
    form = (await opened.json())["task"]
    assert form["type"] == "continue"
    (field,) = [b for b in form["value"]["card"]["content"]["body"] if b["type"] == "Input.Text"]
    assert field["isMultiline"] is True
    saved = await bot.post(dialog(fake.service_url, who(winner), "task/submit", card,
                                  {**note_button["data"], "text": "Tuttu vika, SPR777001"}))
    assert (await saved.json())["task"]["type"] == "message"
    await bot.settled()
    notes = [t for t in in_thread(fake, card) if "SPR777001" in t]
    assert notes and notes[0].startswith("🔒")
    assert not any("SPR" in text for text in to_customer(fake))
    transcript = await bot.app.desk.transcript(MAIJA[2], 1)
    assert [m.direction for m in transcript if "SPR777001" in m.text] == [Direction.NOTE]

    # Bot commands in the thread, with a mention and without the case number.
    await in_case_thread(bot, card, winner, "kiireellisyys 1", mention=True)
    assert (await all_rows(bot.app))["cases"][0]["urgency"] == 1
    await in_case_thread(bot, card, winner, f"siirrä {loser[2]}", mention=True)
    assert (await all_rows(bot.app))["cases"][0]["holder"] == loser[2]
    await in_case_thread(bot, card, OUTSIDER, "jono", mention=True)
    assert TEXTS.get("fi", "desk.not_agent") in in_thread(fake, card)[-1]

    # The new holder closes the case from the card's closing dialog.
    close_button = next(a for a in card.actions() if a.get("data", {}).get("verb") == CLOSE_VERB)
    await bot.post(dialog(fake.service_url, who(loser), "task/submit", card,
                          {**close_button["data"], "text": "Näytönohjaimen ajuri päivitetty"}))
    await bot.settled()
    assert (await all_rows(bot.app))["cases"][0]["state"] == "closed"
    assert any("ajuri päivitetty" in t for t in to_customer(fake))
    final = await fake.wait_for("PUT", where=lambda c: c.activity_id == card.answer_id
                                and "ajuri päivitetty" in c.all_text())  # fmt: skip
    assert not final[-1].actions(), "a closed case has no buttons"


def test_typed_commands_in_finnish_and_english_with_and_without_the_number() -> None:
    assert parse_typed("ota #12") == parse_typed("take 12")
    close = parse_typed("sulje 12 Ajuri päivitetty")
    assert close is not None and (close.case_id, close.rest) == (12, "Ajuri päivitetty")
    in_thread_close = parse_typed("sulje Ajuri päivitetty", case_id=7)
    assert in_thread_close is not None and in_thread_close.case_id == 7
    assert in_thread_close.rest == "Ajuri päivitetty"
    urgency = parse_typed("kiireellisyys 1", case_id=7)
    assert urgency is not None and (urgency.case_id, urgency.rest) == (7, "1")
    assert parse_typed("hello") is None and parse_typed("ota x") is None


async def test_hand_back_and_refusals(bot: TeamsBot) -> None:
    card = await open_case(bot)
    await take(bot, card, OUTSIDER)  # not an agent: refused, the case stays queued
    await bot.settled()
    assert TEXTS.get("fi", "desk.not_agent") in in_thread(bot.fake, card)[-1]
    assert (await all_rows(bot.app))["cases"][0]["state"] == "queued"
    await take(bot, card, MAIJA)
    await bot.settled()
    await in_case_thread(bot, card, MAIJA, "palauta", mention=True)
    assert (await all_rows(bot.app))["cases"][0]["state"] == "returned"
    handed_back = TEXTS.get("fi", "relay.handed_back")
    assert any(handed_back[:30] in t for t in to_customer(bot.fake))


async def test_an_erased_case_leaves_nothing_of_the_bots_in_the_agents_channel(
    bot: TeamsBot,
) -> None:
    card = await open_case(bot)
    in_its_thread = bot.fake.posted(lambda c: c.conversation == thread_of(card))
    thread_posts = {c.answer_id for c in in_its_thread}
    assert thread_posts
    await say(bot, "Poistakaa kaikki tietoni")
    await press(bot, actions.ERASE_YES)
    deleted = await bot.fake.wait_for("DELETE", where=lambda c: c.activity_id == card.answer_id)
    assert deleted
    gone = {c.activity_id for c in bot.fake.calls if c.method == "DELETE"}
    assert gone == thread_posts | {card.answer_id}
    notice = bot.fake.posted(lambda c: c.conversation == AGENT_CHANNEL)[-1]
    assert "#1" in notice.text and OLLI[1] not in notice.text and PROBLEM not in notice.text
    await bot.settled()
    assert (await all_rows(bot.app))["channel_marks"] == []


async def test_the_cards_buttons_set_urgency_transfer_and_hand_back(bot: TeamsBot) -> None:
    card = await open_case(bot)
    await click_card(bot, card, MAIJA, TAKE_VERB)
    answer = await click_card(bot, card, MAIJA, URGENCY_VERB, urgency="1")
    assert answer["statusCode"] == 200 and "card" not in answer["type"], "the card stays"
    assert (await all_rows(bot.app))["cases"][0]["urgency"] == 1
    await click_card(bot, card, MAIJA, TRANSFER_VERB, to=PEKKA[2])
    assert (await all_rows(bot.app))["cases"][0]["holder"] == PEKKA[2]
    await click_card(bot, card, MAIJA, HANDBACK_VERB)  # Maija no longer holds it
    assert (await all_rows(bot.app))["cases"][0]["state"] == "taken"
    assert TEXTS.get("fi", "desk.not_holder", case=1) in in_thread(bot.fake, card)[-1]
    await click_card(bot, card, PEKKA, HANDBACK_VERB)
    assert (await all_rows(bot.app))["cases"][0]["state"] == "returned"
    handed_back = TEXTS.get("fi", "relay.handed_back")
    assert any(handed_back[:30] in t for t in to_customer(bot.fake))
    final = await bot.fake.wait_for("PUT", where=lambda c: c.activity_id == card.answer_id)
    assert not final[-1].actions(), "a case back with the bot has no buttons"
