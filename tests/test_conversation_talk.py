"""Talking like a support engineer (issue 9): small talk gets a short natural reply,
and every menu takes what people type: the number, the label, their own words, or a
way out. In Finnish, English and Swedish, through the real engine and database."""

from __future__ import annotations

import pytest

from bot.core.state import Phase
from knowledge.route import Outcome, Route, SmallTalk
from tests.harness import Chat, all_rows
from tests.talk_harness import TEXTS, labels, offers_consent, scripted, text
from tests.test_handover import DESKTOP_USER, at, consented, desk_app

__all__ = ["desk_app", "scripted"]  # fixtures used here

PROBLEM = {
    "fi": "Creo kaatuu aina kun avaan ison kokoonpanon",
    "en": "Creo crashes every time I open a large assembly",
}


def small_talk(kind: SmallTalk, lang: str) -> Route:
    return Route(Outcome.SMALL_TALK, lang=lang, confidence=0.99, small_talk=kind)


# (language, what came before, the small talk, its kind, the reply's key)
SMALL_TALK = [
    ("fi", None, "Hei", SmallTalk.GREETING, "greeting"),
    ("fi", "Mikä Java-versio Windchill 12:lle?", "Hei", SmallTalk.GREETING, "talk.greeting"),
    ("fi", "Mikä Java-versio Windchill 12:lle?", "Kiitos", SmallTalk.THANKS, "talk.thanks"),
    ("fi", "Mikä Java-versio Windchill 12:lle?", "Kiitos, siinä kaikki", SmallTalk.GOODBYE,
     "talk.goodbye"),
    ("fi", "Mikä Java-versio Windchill 12:lle?", "selvä", SmallTalk.ACK, "talk.ack"),
    ("en", None, "Hello", SmallTalk.GREETING, "greeting"),
    ("en", "Which JDK does Windchill need?", "Thanks, that's all", SmallTalk.GOODBYE,
     "talk.goodbye"),
    ("en", "What are your support hours?", "ok", SmallTalk.ACK, "talk.ack"),
    ("sv", None, "Hej", SmallTalk.GREETING, "greeting"),
    ("sv", "Vilken Java-version behöver Windchill 12?", "Tack så mycket", SmallTalk.THANKS,
     "talk.thanks"),
]  # fmt: skip


@pytest.mark.parametrize(("lang", "before", "said", "kind", "key"), SMALL_TALK)
async def test_small_talk_gets_a_short_natural_reply(app, scripted, lang, before, said, kind, key):
    scripted[said] = small_talk(kind, lang)
    chat = Chat(app, conversation=f"talk-{lang}-{kind}-{before is None}")
    if before:
        await chat.say(before)
    [reply] = await chat.say(said)
    assert reply.text == TEXTS.get(lang, key)
    assert not reply.buttons and not reply.links, "no article, no menu, no consent block"
    rows = await all_rows(app)
    assert rows["users"] == [] and rows["consents"] == [] and rows["messages"] == []


async def test_before_the_router_knows_small_talk_a_thanks_is_never_an_article(app):
    """Through the real router as it is today: a greeting with a question is answered."""
    for said in ("Hei! Mikä Java-versio Windchill 12:lle?", "Hi, which JDK does Windchill need?"):
        chat = Chat(app, conversation=said)
        replies = await chat.say(said)
        assert replies[0].kind.value == "answer" and "Windchill" in replies[0].text
        assert not offers_consent(chat)


async def test_thanks_while_queued_gets_a_word_back_and_is_not_relayed(desk_app, scripted, clock):
    clock.now = at("2026-11-24T10:00")
    scripted["Kiitos!"] = small_talk(SmallTalk.THANKS, "fi")
    chat = await consented(desk_app, DESKTOP_USER, "dm-queued-thanks")
    await chat.say(PROBLEM["fi"])
    await chat.click("urgency:3")
    await chat.click("existing:new")
    before = len((await all_rows(desk_app))["outbox"])
    [reply] = await chat.say("Kiitos!")
    assert reply.text == TEXTS.get("fi", "talk.queued")
    rows = (await all_rows(desk_app))["outbox"][before:]
    assert [r["recipient"] for r in rows] == ["customer"], "the agents are not told a thanks"


async def test_urgency_buttons_show_their_labels(desk_app, clock):
    clock.now = at("2026-11-24T10:00")
    chat = await consented(desk_app, DESKTOP_USER, "dm-labels")
    await chat.say(PROBLEM["fi"])
    expected = [TEXTS.get("fi", f"handover.urgency_{n}") for n in (1, 2, 3, 4)]
    assert labels(chat) == [*expected, TEXTS.get("fi", "handover.cancel")]
    assert not any(label[0].isdigit() for label in labels(chat)), "not '3. 3 – Normaali'"
    assert chat.text == TEXTS.get("fi", "handover.ask_urgency")


# (language, what the user types for urgency, the level, what they type for "a new matter")
TYPED_URGENCY = [
    ("fi", "kiireellinen", 1, "uusi asia"),
    ("fi", "Tuotanto on pysähtynyt!", 1, "Uusi asia"),
    ("fi", "ei kiireellinen", 4, "1"),
    ("fi", "tyo vaikeutuu merkittavasti", 2, "uusi"),
    ("fi", "3", 3, "ei"),
    ("en", "urgent, production is down", 1, "a new matter"),
    ("en", "not urgent, just a question", 4, "new"),
    ("en", "2", 2, "no"),
]


@pytest.mark.parametrize(("lang", "typed", "level", "new"), TYPED_URGENCY)
async def test_menus_take_numbers_labels_and_own_words(desk_app, clock, lang, typed, level, new):
    clock.now = at("2026-11-24T10:00")
    chat = await consented(desk_app, DESKTOP_USER, f"dm-typed-{typed}")
    await chat.say(PROBLEM[lang])
    await chat.say(typed)
    assert chat.text == TEXTS.get(lang, "handover.ask_existing"), chat.text
    await chat.say(new)
    [case] = (await all_rows(desk_app))["cases"]
    assert case["urgency"] == level and case["existing_reference"] is None
    assert f"#{case['id']}" in chat.text


async def test_a_version_is_still_not_an_urgency_and_a_number_picks_a_product(desk_app, clock):
    clock.now = at("2026-11-24T10:00")
    chat = await consented(desk_app, DESKTOP_USER, "dm-product-number")
    await chat.say("Haluan puhua ihmisen kanssa")
    assert chat.text == TEXTS.get("fi", "handover.ask_product")
    await chat.say("1")  # the first button: Creo
    assert chat.text == TEXTS.get("fi", "handover.ask_urgency")
    await chat.say("Creo 10 M050")
    assert chat.text == TEXTS.get("fi", "handover.urgency_unknown")
    await chat.say("kiire")
    await chat.say("Kokoonpano kaatuu")
    await chat.say("liittyy aiempaan tukipyyntöön")
    assert chat.text == TEXTS.get("fi", "handover.ask_reference")


# (language, the request for a person, the scripted route if the router misses it, the way out)
CANCELS = [
    ("fi", "Haluan puhua ihmisen kanssa", False, "peruuta"),
    ("fi", "Haluan puhua ihmisen kanssa", False, "Peruuta."),
    ("en", "Can I talk to a support engineer?", False, "cancel"),
    ("en", "Can I talk to a support engineer?", False, "never mind"),
    ("sv", "Jag vill prata med en människa", True, "avbryt"),
]


@pytest.mark.parametrize(("lang", "request_", "script", "out"), CANCELS)
async def test_a_way_out_of_every_hand_over_question(
    desk_app, scripted, clock, lang, request_, script, out
):
    clock.now = at("2026-11-24T10:00")
    if script:
        scripted[request_] = Route(Outcome.ESCALATE, lang=lang, confidence=0.9)
    for step in range(3):  # at the product, the urgency and the description
        chat = await consented(desk_app, DESKTOP_USER, f"dm-out-{lang}-{out}-{step}")
        await chat.say(request_)
        for value in ("product:Creo", "urgency:3")[:step]:
            await chat.click(value)
        [reply] = await chat.say(out)
        assert reply.text == TEXTS.get(lang, "handover.cancelled"), (step, reply.text)
    assert (await all_rows(desk_app))["cases"] == []


@pytest.mark.parametrize(
    ("lang", "request_", "out"),
    [("fi", "Haluan puhua ihmisen kanssa", "peruuta"),
     ("en", "Can I talk to a support engineer?", "cancel")],
)  # fmt: skip
async def test_a_way_out_of_the_consent_question_records_nothing(app, lang, request_, out):
    chat = Chat(app, conversation=f"dm-consent-out-{lang}")
    await chat.say(request_)
    assert offers_consent(chat)
    [reply] = await chat.say(out)
    assert reply.text == text(app, lang, "handover.cancelled")
    await chat.say("kyllä" if lang == "fi" else "yes")
    assert (await all_rows(app))["consents"] == [], "the question is closed: a yes is not consent"


async def test_the_erase_question_takes_typed_answers(app):
    chat = Chat(app, conversation="dm-erase-typed")
    await chat.say("Mikä Java-versio Windchill 12:lle?")
    await chat.consent()
    await chat.say("Poista kaikki tietoni järjestelmästänne")
    [reply] = await chat.say("älä poista")
    assert reply.text == TEXTS.get("fi", "privacy.erase_cancelled")
    assert len((await all_rows(app))["users"]) == 1
    await chat.say("Poista kaikki tietoni järjestelmästänne")
    await chat.say("Kyllä, poista")
    assert (await all_rows(app))["users"] == []
    state = (await all_rows(app))["conversations"][0]["phase"]
    assert state == Phase.DECLINED.value


# (language, the question an article answers, the typed answer to "did this help?", its key)
HELPFUL = [
    ("fi", "Mitä käyttöjärjestelmiä Creo 11 tukee?", "kyllä", "answer.thanks"),
    ("en", "Which JDK does Windchill need?", "ok", "answer.thanks"),
    ("fi", "Mitä käyttöjärjestelmiä Creo 11 tukee?", "ei", "consent_text.needed_for_handover"),
    ("en", "Which JDK does Windchill need?", "2", "consent_text.needed_for_handover"),
    ("sv", "Vilken Java-version behöver Windchill 12?", "nej", "consent_text.needed_for_handover"),
]


@pytest.mark.parametrize(("lang", "question", "typed", "key"), HELPFUL)
async def test_did_this_help_takes_a_typed_answer(app, lang, question, typed, key):
    chat = Chat(app, conversation=f"dm-helpful-{lang}-{typed}")
    replies = await chat.say(question)
    assert replies[0].kind.value == "answer"
    [reply] = await chat.say(typed)
    assert reply.text == text(app, lang, key)


async def test_a_consented_no_goes_on_with_the_articles_product(desk_app, clock):
    clock.now = at("2026-11-24T10:00")
    chat = await consented(desk_app, DESKTOP_USER, "dm-helpful-no")
    await chat.say("Mitä käyttöjärjestelmiä Creo 11 tukee?")
    await chat.say("ei auttanut")
    assert chat.text == TEXTS.get("fi", "handover.ask_urgency"), "Creo, from the article"


async def test_once_answered_the_question_is_closed(app, scripted):
    scripted["Kiitos"] = small_talk(SmallTalk.THANKS, "fi")
    chat = Chat(app, conversation="dm-helpful-closed")
    await chat.say("Mitä käyttöjärjestelmiä Creo 11 tukee?")
    await chat.say("Kiitos")
    replies = await chat.say("ei")
    assert not offers_consent(chat), "a later 'ei' is not an answer to an old question"
    assert all(r.text != text(app, "fi", "consent_text.needed_for_handover") for r in replies)


def test_a_typed_answer_means_the_longest_phrase_it_contains():
    from handlers.menu import Choice, cancels, pick
    from handlers.words import URGENCY

    urgency = [Choice(f"u{n}", f"label {n}", URGENCY[n]) for n in (1, 2, 3, 4)]
    assert pick("Urgent, production is down!!", urgency) == "u1"
    assert pick("not urgent", urgency) == "u4"
    assert pick("EI KIIREELLINEN", urgency) == "u4"
    assert pick("tuotanto on pysahtynyt", urgency) == "u1", "umlauts or none"
    assert pick("inte så brådskande", urgency) == "u3"
    assert pick("#2", urgency) == "u2" and pick("5", urgency) is None
    assert pick("Creo 10 M050", urgency) is None, "a version is not an urgency"
    assert all(cancels(w) for w in ("Peruuta", "cancel.", "Avbryt!", "ei sittenkään"))
    assert not cancels("peruuta tilaukseni ja soita minulle")
