"""When two readings are close the bot asks one short question (issue 9): a button per
reading and a way out; the click, or the typed number, label or "a person", goes on
with that reading. Nothing the user wrote is kept before consent: only the menu."""

from __future__ import annotations

import json

import pytest

from handlers import actions
from knowledge.route import Outcome, Route
from tests.harness import Chat, all_rows
from tests.talk_harness import TEXTS, labels, nothing_personal, offers_consent, scripted
from tests.test_handover import DESKTOP_USER, at, desk_app

__all__ = ["desk_app", "scripted"]  # fixtures used here

ASKED = {
    "fi": "Creo 11 ja Windows 10 – toimiiko se, vai pitäisikö teidän katsoa tätä?",
    "en": "Creo 11 on Windows 10 – does it work, or should one of you look at this?",
    "sv": "Creo 11 och Windows 10 – fungerar det, eller borde ni titta på det här?",
}
TITLES = {"fi": "Creo Parametricin tuetut käyttöjärjestelmät",
          "en": "Operating systems supported by Creo Parametric"}  # fmt: skip


def close_readings(lang: str) -> Route:
    """An answer and a hand-over, close: the router says ask."""
    person = Route(Outcome.ESCALATE, lang=lang, confidence=0.5, problem=True,
                   products=("Creo",), versions=("11",))  # fmt: skip
    return Route(Outcome.ANSWER, lang=lang, confidence=0.55, article="creo-supported-os",
                 clarify=True, alternatives=(person,), products=("Creo",),
                 versions=("11",))  # fmt: skip


@pytest.fixture
def readings(scripted: dict[str, Route]) -> None:
    for lang, said in ASKED.items():
        scripted[said] = close_readings(lang)


@pytest.mark.parametrize("lang", ["fi", "en", "sv"])
async def test_close_readings_get_one_short_question_with_a_button_each(app, readings, lang):
    chat = Chat(app, conversation=f"dm-ask-{lang}")
    [question] = await chat.say(ASKED[lang])
    assert question.text == TEXTS.get(lang, "talk.clarify_question")
    title = TITLES.get(lang, TITLES["en"])  # Swedish readers get the English article
    assert labels(chat) == [title, TEXTS.get(lang, "talk.clarify_escalate"),
                            TEXTS.get(lang, "talk.clarify_none")]  # fmt: skip
    values = chat.buttons()
    assert values[0] == "reading:answer:creo-supported-os" and values[2] == "reading:none"
    assert values[1].startswith("reading:escalate|~"), "the user's words ride sealed"
    await chat.receive()
    await nothing_personal(app, "Windows 10")
    [conversation] = (await all_rows(app))["conversations"]
    draft = json.loads(conversation["draft"])
    assert {k for k, v in draft.items() if v} == {"menu"}, "only the menu, before consent"
    assert len(draft["menu"]) == 2 and all(v.startswith("~") for v in draft["menu"])
    assert "creo" not in conversation["draft"].casefold(), "sealed: it tells the topic"


ANSWER_CHOICES = [
    ("fi", None),
    ("fi", "1"),
    ("en", None),
    ("en", "operating systems supported by creo parametric"),
    ("sv", "1"),
]


@pytest.mark.parametrize(("lang", "typed"), ANSWER_CHOICES)
async def test_choosing_the_answer_gives_the_article(app, readings, lang, typed):
    chat = Chat(app, conversation=f"dm-answer-{lang}-{typed}")
    await chat.say(ASKED[lang])
    replies = await (chat.say(typed) if typed else chat.click("reading:answer:"))
    assert replies[0].kind.value == "answer"
    assert TITLES.get(lang, TITLES["en"]) in replies[0].text
    assert not offers_consent(chat)


@pytest.mark.parametrize(("lang", "typed"), [("fi", None), ("fi", "2"), ("fi", "tukihenkilö"),
                                             ("en", "a person"), ("sv", None)])  # fmt: skip
async def test_choosing_a_person_goes_on_to_the_hand_over_with_the_words_said(
    desk_app, readings, clock, lang, typed
):
    clock.now = at("2026-11-24T10:00")
    chat = Chat(desk_app, user=DESKTOP_USER, conversation=f"dm-person-{lang}-{typed}")
    await chat.say(ASKED[lang])
    await (chat.say(typed) if typed else chat.click("reading:escalate"))
    assert offers_consent(chat), "a person needs consent first"
    await nothing_personal(desk_app, "Windows 10")
    await chat.click(actions.CONSENT_ACCEPT)
    # Typed, the words come along too: this process held the hand-over button's payload
    # in memory (bot/engine/held.py); nothing of it was stored before consent.
    assert chat.text == TEXTS.get(lang, "handover.ask_urgency"), chat.text
    await chat.click("urgency:3")
    await chat.click("existing:new")
    [case] = (await all_rows(desk_app))["cases"]
    assert case["product"] == "Creo"
    assert case["description"] == ASKED[lang] and case["version"] == "11"


async def test_a_consented_users_typed_choice_keeps_the_words(desk_app, readings, clock):
    clock.now = at("2026-11-24T10:00")
    chat = Chat(desk_app, user=DESKTOP_USER, conversation="dm-consented-typed")
    await chat.consent()
    await chat.say(ASKED["fi"])
    await chat.say("2")
    assert chat.text == TEXTS.get("fi", "handover.ask_urgency")
    await chat.say("normaali")
    await chat.say("uusi asia")
    [case] = (await all_rows(desk_app))["cases"]
    assert case["description"] == ASKED["fi"] and case["urgency"] == 3


@pytest.mark.parametrize(("lang", "out"), [("fi", "peruuta"), ("en", "None of these"),
                                           ("sv", "avbryt")])  # fmt: skip
async def test_a_way_out_of_the_clarifying_question(app, readings, lang, out):
    chat = Chat(app, conversation=f"dm-none-{lang}")
    await chat.say(ASKED[lang])
    [reply] = await chat.say(out)
    assert reply.text == TEXTS.get(lang, "talk.clarify_none_reply")
    [conversation] = (await all_rows(app))["conversations"]
    assert conversation["phase"] != "clarify" and conversation["draft"] is None


async def test_a_new_question_while_asked_is_just_a_new_question(app, readings):
    chat = Chat(app, conversation="dm-new-question")
    await chat.say(ASKED["fi"])
    replies = await chat.say("Mikä Java-versio Windchill 12:lle?")
    assert replies[0].kind.value == "answer" and "Java" in replies[0].text
    [conversation] = (await all_rows(app))["conversations"]
    assert conversation["phase"] != "clarify"
