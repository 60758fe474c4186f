"""Consent, withdrawal, export and erasure, through the real engine and database."""

from __future__ import annotations

from bot.core.texts import Catalogue
from handlers import actions
from tests.harness import Chat, all_rows, rows_mentioning

TEXTS = Catalogue.load()
QUESTION = "Mikä Java-versio Windchill 12:lle?"


def offers_consent(chat: Chat) -> bool:
    return any(b.startswith(actions.CONSENT_ACCEPT) for b in chat.buttons())


async def test_a_first_question_is_answered_at_once_without_a_consent_block(app):
    chat = Chat(app)
    replies = await chat.say(QUESTION)
    assert replies[0].kind.value == "answer" and "Java 11" in replies[0].text
    assert not offers_consent(chat), "nothing is stored for an answer: consent is not asked"
    assert all(TEXTS.get("fi", "consent_text.question") not in r.text for r in replies)


async def test_consent_is_asked_briefly_before_a_hand_over_with_the_privacy_notice(app):
    chat = Chat(app)
    replies = await chat.say("Haluan puhua ihmisen kanssa")
    [question] = replies
    extra = {"phone": app.settings.support_phone, "email": app.settings.support_email}
    assert question.text == TEXTS.get("fi", "consent_text.needed_for_handover", **extra)
    assert offers_consent(chat) and actions.CONSENT_DECLINE in chat.buttons()
    assert question.links[0].url == app.settings.privacy_url


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
    await chat.say("Haluan puhua ihmisen kanssa")
    replies = await chat.click(actions.CONSENT_ACCEPT)
    assert replies[0].text == TEXTS.get("fi", "handover.ask_product"), "straight on"
    rows = await all_rows(app)
    [user] = rows["users"]
    assert user["email"] == chat.user and user["name"] == "Matti Meikäläinen"
    [consent] = rows["consents"]
    assert consent["text_version"] == TEXTS.get("fi", "consent.version")
    extra = {"phone": app.settings.support_phone, "email": app.settings.support_email}
    shown = TEXTS.version("fi", "consent_text.needed_for_handover", **extra)
    assert consent["text_fingerprint"] == shown
    assert consent["lang"] == "fi"
    assert consent["given_at"].replace(tzinfo=None) == clock.now.replace(tzinfo=None)
    assert consent["withdrawn_at"] is None
    await chat.click("handover:cancel")
    await chat.say("Which JDK does Windchill need?")
    stored = [m["text"] for m in (await all_rows(app))["messages"]]
    assert "Which JDK does Windchill need?" in stored


async def test_typed_consent_answers_work(app):
    chat = Chat(app, user="anna@asiakas.fi", conversation="dm-typed")
    await chat.say("Milloin tuki on auki?")
    await chat.say("Ok")
    assert (await all_rows(app))["consents"] == [], "not asked: an ok is not consent"
    await chat.say("Haluan puhua ihmisen kanssa")
    await chat.say("Kyllä")
    assert len((await all_rows(app))["consents"]) == 1
    other = Chat(app, user="bob@customer.com", conversation="dm-typed-en")
    await other.say("Can I talk to a support engineer?")
    replies = await other.say("no thanks")
    assert replies[0].text.startswith("Understood, I won't store your data")
    assert len((await all_rows(app))["consents"]) == 1


async def test_a_consented_user_is_not_asked_again_in_a_new_conversation(app):
    first = Chat(app, conversation="dm-a")
    await first.say("Haluan puhua ihmisen kanssa")
    await first.click(actions.CONSENT_ACCEPT)
    second = Chat(app, conversation="thread-b")
    replies = await second.say("Haluan puhua ihmisen kanssa")
    assert not offers_consent(second)
    assert replies[0].text == TEXTS.get("fi", "handover.ask_product")


async def test_declined_user_still_gets_answers_statelessly_but_no_handover(app):
    chat = Chat(app, user="ville@asiakas.fi")
    await chat.say("Haluan puhua ihmisen kanssa")
    replies = await chat.click(actions.CONSENT_DECLINE)
    assert app.settings.support_phone in replies[0].text
    assert app.settings.support_email in replies[0].text
    replies = await chat.say("Voiko Windchillissä käyttää Amazon Correttoa?")
    assert any("Corretto" in r.text for r in replies)
    replies = await chat.say("Haluan puhua ihmisen kanssa")
    assert offers_consent(chat), "a hand-over asks for consent again"
    assert app.settings.support_phone in chat.text
    rows = await all_rows(app)
    assert rows["users"] == [] and rows["messages"] == []


async def test_consent_asked_for_handover_continues_to_the_handover(app):
    chat = Chat(app, user="ville@asiakas.fi")
    await chat.say("Haluan puhua ihmisen kanssa")
    assert offers_consent(chat)
    await chat.click(actions.CONSENT_ACCEPT)
    assert "product:Creo" in chat.buttons(), "accepting goes straight on to the hand-over"
    assert len((await all_rows(app))["consents"]) == 1


async def test_withdrawn_consent_stops_storing(app, clock):
    chat = Chat(app)
    await chat.say(QUESTION)
    await chat.consent()
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
    await chat.consent()
    await chat.say("Which JDK does Windchill need?")
    replies = await chat.say("Send me a copy of the data you store about me")
    assert chat.user in replies[0].text
    assert "Which JDK does Windchill need?" in replies[0].text


async def test_erase_asks_first_and_then_really_erases(app):
    chat = Chat(app)
    await chat.say(QUESTION)
    await chat.consent()
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
