"""The engine's promises: each outcome answered in the user's language, retries
answered once, one lock per conversation, errors apologised for and logged
without message text."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import pytest
from sqlalchemy import text

from bot.core.contract import Sender
from bot.core.texts import Catalogue
from handlers import actions
from tests.harness import Chat, all_rows

TEXTS = Catalogue.load()

# One message per outcome, in each language, and a catalogue key its reply must carry.
OUTCOMES = [
    ("fi", "Mikä Java-versio Windchill 12:lle?", None),
    ("en", "Which JDK does Windchill need?", None),
    ("fi", "Tukeeko Codebeamer PostgreSQL 16:ta?", "no_answer"),
    ("en", "Which Vuforia Studio version works with ThingWorx 9.5?", "no_answer"),
    ("fi", "Voisitteko pitää meille Creo-koulutuksen?", "out_of_scope.training"),
    ("en", "My SolidWorks license does not activate", "out_of_scope.other_vendor"),
    ("fi", "Haluan puhua ihmisen kanssa", "consent_text.needed_for_handover"),
    ("en", "Can I talk to a support engineer?", "consent_text.needed_for_handover"),
    ("fi", "Mikä on tuen puhelinnumero?", "service_info.contact"),
    ("en", "What does your support cover?", "service_info.coverage"),
    (
        "fi",
        "Tukipalvelunne ei vastannut viestiini kolmeen päivään, olen tyytymätön",
        "service_feedback",
    ),
    ("en", "I want to complain about your support service", "service_feedback"),
    ("fi", "Poista kaikki tietoni järjestelmästänne", "privacy.nothing_stored"),
    ("en", "Send me a copy of the data you store about me", "privacy.nothing_stored"),
]


@pytest.mark.parametrize(("lang", "message", "key"), OUTCOMES)
async def test_each_outcome_is_answered_in_the_users_language(app, lang, message, key):
    chat = Chat(app, conversation=f"c-{hash(message)}")
    replies = await chat.say(message)
    assert all(not r.text.startswith(TEXTS.get(lang, "greeting")[:20]) for r in replies)
    assert not any(b.startswith(actions.CONSENT_ACCEPT) for b in chat.buttons()) or key == (
        "consent_text.needed_for_handover"
    ), "consent is asked only before a hand-over"
    settings = app.settings
    if key == "no_answer":  # with or without close articles, never an answer; a person offered
        assert not any(r.kind.value == "answer" for r in replies)
        assert any(b.startswith(actions.HANDOVER) for b in chat.buttons())
        expected = {TEXTS.get(lang, "no_answer.text"), TEXTS.get(lang, "no_answer.nothing_close")}
        assert any(r.text in expected for r in replies)
    elif key is None:
        assert replies[0].kind.value == "answer" and replies[0].links
        assert replies[1].text == TEXTS.get(lang, "answer.helpful")
    else:
        expected = TEXTS.get(
            lang,
            key,
            phone=settings.support_phone,
            email=settings.support_email,
            sales=settings.sales_contact,
        )
        assert any(expected in r.text for r in replies), chat.text


async def test_a_retried_message_id_is_answered_once(app):
    chat = Chat(app)
    message = chat.message("Mikä Java-versio Windchill 12:lle?")
    first = await app.engine.handle(message)
    again = await app.engine.handle(message)
    assert first and again == []


async def test_the_same_message_delivered_twice_at_once_is_answered_once(app):
    chat = Chat(app)
    message = chat.message("Mikä Java-versio Windchill 12:lle?")
    results = await asyncio.gather(*(app.engine.handle(message) for _ in range(4)))
    assert sorted(len(r) for r in results)[:3] == [0, 0, 0] and max(len(r) for r in results) > 0


async def test_messages_of_one_conversation_never_race(app):
    chat = Chat(app)
    await chat.say("Mikä Java-versio Windchill 12:lle?")
    await chat.consent()
    questions = [f"Mitä tietokantoja Windchill tukee? ({n})" for n in range(6)]
    await asyncio.gather(*(app.engine.handle(chat.message(q)) for q in questions))
    stored = [m["text"] for m in (await all_rows(app))["messages"] if m["direction"] == "customer"]
    assert sorted(q for q in stored if q in questions) == sorted(questions)


async def test_a_bots_own_message_is_ignored(app):
    chat = Chat(app)
    message = chat.message("hello")
    bot_message = dataclasses.replace(message, sender=Sender(id="B1", is_bot=True))
    assert await app.engine.handle(bot_message) == []


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("fi", "Mitä tietokantoja Windchill tukee?"),
        ("en", "Which databases does Windchill support?"),
    ],
)
async def test_a_database_error_is_apologised_for_and_logged_without_text(
    app, caplog, lang, message
):
    chat = Chat(app)
    await chat.say(message)
    await chat.consent()
    async with app.database.engine.begin() as connection:
        await connection.execute(text("DROP TABLE messages"))
    caplog.set_level(logging.DEBUG)
    replies = await chat.say(message)
    assert [r.kind.value for r in replies] == ["error"]
    assert replies[0].text == TEXTS.get(
        lang, "error", phone=app.settings.support_phone, email=app.settings.support_email
    )
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures, "the failure is logged"
    logged = "\n".join(caplog.text.splitlines())
    assert message not in logged and chat.user not in logged


async def test_logs_never_carry_message_text_names_or_emails(app, caplog):
    caplog.set_level(logging.DEBUG)
    chat = Chat(app)
    await chat.say("Mikä Java-versio Windchill 12:lle?")
    await chat.consent()
    await chat.say("Creo kaatuu aina kun avaan ison kokoonpanon")
    assert caplog.records, "the engine logs its turns"
    for needle in ("Windchill 12", "kokoonpanon", chat.user, "Meikäläinen"):
        assert needle not in caplog.text


async def test_an_unmatched_button_goes_to_the_fallback(app):
    chat = Chat(app)
    await chat.say("Mikä Java-versio Windchill 12:lle?")
    replies = await chat.push(chat.message(action="something:unknown", label="?"))
    assert replies[0].text == TEXTS.get("fi", "fallback")
