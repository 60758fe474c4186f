"""Consent, withdrawal, export and erasure, through the real engine and database."""

from __future__ import annotations

from bot.core.texts import Catalogue
from handlers import actions
from tests.harness import Chat, all_rows, rows_mentioning

TEXTS = Catalogue.load()
QUESTION = "Mikä Java-versio Windchill 12:lle?"


async def test_first_question_is_answered_at_once_and_consent_asked_in_the_same_turn(app):
    chat = Chat(app)
    replies = await chat.say(QUESTION)
    assert replies[0].text == TEXTS.get("fi", "greeting")
    assert any("Java 11" in r.text for r in replies), "the answer does not wait for consent"
    assert replies[-1].text == TEXTS.get("fi", "consent_text.question")
    assert chat.buttons()[-2:] == [actions.CONSENT_ACCEPT, actions.CONSENT_DECLINE]
    assert replies[-1].links[0].url == app.settings.privacy_url


async def test_nothing_personal_is_stored_before_consent(app):
    chat = Chat(app)
    await chat.say(QUESTION)
    await chat.say("Which JDK does Windchill need?")
    assert len(await chat.receive()) >= 2, "the replies waited in the outbox until delivered"
    rows = await all_rows(app)
    assert rows["users"] == [] and rows["consents"] == [] and rows["messages"] == []
    assert rows["outbox"] == [] and rows["inbox"] == []
    [conversation] = rows["conversations"]
    assert conversation["user_id"] is None and conversation["address"] is None
    assert await rows_mentioning(app, chat.user, "Windchill", "dm-1") == []


async def test_accepted_consent_is_recorded_with_version_language_and_time(app, clock):
    chat = Chat(app)
    await chat.say(QUESTION)
    replies = await chat.click(actions.CONSENT_ACCEPT)
    assert replies[0].text == TEXTS.get("fi", "consent_text.accepted")
    rows = await all_rows(app)
    [user] = rows["users"]
    assert user["email"] == chat.user and user["name"] == "Matti Meikäläinen"
    [consent] = rows["consents"]
    assert consent["text_version"] == TEXTS.get("fi", "consent.version")
    assert consent["text_fingerprint"] == TEXTS.version("fi", "consent_text.question")
    assert consent["lang"] == "fi"
    assert consent["given_at"].replace(tzinfo=None) == clock.now.replace(tzinfo=None)
    assert consent["withdrawn_at"] is None
    await chat.say("Which JDK does Windchill need?")
    stored = [m["text"] for m in (await all_rows(app))["messages"]]
    assert "Which JDK does Windchill need?" in stored


async def test_typed_consent_answers_work(app):
    chat = Chat(app, user="anna@asiakas.fi", conversation="dm-typed")
    await chat.say("Milloin tuki on auki?")
    await chat.say("Kyllä")
    assert len((await all_rows(app))["consents"]) == 1
    other = Chat(app, user="bob@customer.com", conversation="dm-typed-en")
    await other.say("What are your support hours?")
    replies = await other.say("no thanks")
    assert replies[0].text.startswith("Understood, I won't store your data")
    assert len((await all_rows(app))["consents"]) == 1


async def test_a_consented_user_is_not_asked_again_in_a_new_conversation(app):
    first = Chat(app, conversation="dm-a")
    await first.say(QUESTION)
    await first.click(actions.CONSENT_ACCEPT)
    second = Chat(app, conversation="thread-b")
    replies = await second.say("Mitä tietokantoja Windchill tukee?")
    assert actions.CONSENT_ACCEPT not in second.buttons()
    assert replies[0].text != TEXTS.get("fi", "greeting")


async def test_declined_user_still_gets_answers_statelessly_but_no_handover(app):
    chat = Chat(app, user="ville@asiakas.fi")
    await chat.say("Mitä tietokantoja Windchill tukee?")
    replies = await chat.click(actions.CONSENT_DECLINE)
    assert app.settings.support_phone in replies[0].text
    assert app.settings.support_email in replies[0].text
    replies = await chat.say("Voiko Windchillissä käyttää Amazon Correttoa?")
    assert any("Corretto" in r.text for r in replies)
    replies = await chat.say("Haluan puhua ihmisen kanssa")
    assert actions.CONSENT_ACCEPT in chat.buttons(), "a hand-over asks for consent again"
    assert app.settings.support_phone in chat.text
    rows = await all_rows(app)
    assert rows["users"] == [] and rows["messages"] == []


async def test_consent_asked_for_handover_continues_to_the_handover(app):
    chat = Chat(app, user="ville@asiakas.fi")
    await chat.say("Haluan puhua ihmisen kanssa")
    assert actions.CONSENT_ACCEPT in chat.buttons()
    await chat.click(actions.CONSENT_ACCEPT)
    assert "product:Creo" in chat.buttons(), "accepting goes straight on to the hand-over"
    assert len((await all_rows(app))["consents"]) == 1


async def test_withdrawn_consent_stops_storing(app, clock):
    chat = Chat(app)
    await chat.say(QUESTION)
    await chat.click(actions.CONSENT_ACCEPT)
    clock.advance(minutes=5)
    replies = await chat.say("Peru suostumukseni tietojen tallentamiseen")
    assert replies[0].text == TEXTS.get("fi", "privacy.withdrawn")
    assert actions.ERASE_ASK in chat.buttons()
    [consent] = (await all_rows(app))["consents"]
    assert consent["withdrawn_at"] is not None
    before = len((await all_rows(app))["messages"])
    await chat.say("Mitä tietokantoja Windchill tukee?")
    assert len((await all_rows(app))["messages"]) == before
    assert await rows_mentioning(app, "Mitä tietokantoja") == []


async def test_export_from_chat_shows_what_is_stored(app):
    chat = Chat(app)
    await chat.say(QUESTION)
    await chat.click(actions.CONSENT_ACCEPT)
    await chat.say("Which JDK does Windchill need?")
    replies = await chat.say("Send me a copy of the data you store about me")
    assert chat.user in replies[0].text
    assert "Which JDK does Windchill need?" in replies[0].text


async def test_erase_asks_first_and_then_really_erases(app):
    chat = Chat(app)
    await chat.say(QUESTION)
    await chat.click(actions.CONSENT_ACCEPT)
    await chat.say("Which JDK does Windchill need?")
    [user] = (await all_rows(app))["users"]
    replies = await chat.say("Poista kaikki tietoni järjestelmästänne")
    assert replies[0].text == TEXTS.get("fi", "privacy.erase_confirm")
    await chat.click(actions.ERASE_NO)
    assert len((await all_rows(app))["users"]) == 1, "cancelling keeps the data"
    await chat.say("Poista kaikki tietoni järjestelmästänne")
    replies = await chat.click(actions.ERASE_YES)
    assert replies[0].text == TEXTS.get("fi", "privacy.erased")
    rows = await all_rows(app)
    assert rows["users"] == [] and rows["consents"] == [] and rows["messages"] == []
    assert not any(r.get("user_id") == user["id"] for table in rows.values() for r in table)
    assert await rows_mentioning(app, chat.user, "Meikäläinen", "Which JDK") == []


async def test_erase_without_stored_data_says_nothing_is_stored(app):
    chat = Chat(app)
    await chat.say("Poista kaikki tietoni järjestelmästänne")
    assert TEXTS.get("fi", "privacy.nothing_stored") in chat.text
