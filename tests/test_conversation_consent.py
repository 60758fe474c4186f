"""A problem told before consent is neither forgotten nor stored (issue 9).

It rides, sealed, in the consent button's payload; the platform hands it back
with the click and the hand-over goes on from it without asking again. Consent
is asked only where it matters, once, and never tacked onto other replies.
"""

from __future__ import annotations

import pytest

from bot.app import App
from bot.core.settings import DEMO_AGENTS, Settings
from handlers import actions
from knowledge.route import Outcome, Route
from tests.harness import Chat, all_rows
from tests.talk_harness import (
    TEXTS,
    nothing_personal,
    offers_consent,
    raw_sqlite_holds,
    scripted,
    text,
)
from tests.test_handover import DESKTOP_USER, at, desk_app

__all__ = ["desk_app", "scripted"]  # fixtures used here

PROBLEMS = [
    ("fi", "Creo kaatuu aina kun avaan ison kokoonpanon", "kokoonpanon"),
    ("en", "Creo crashes every time I open a large assembly", "assembly"),
]


def accept_value(chat: Chat) -> str:
    [value] = [b for b in chat.buttons() if b.startswith(actions.CONSENT_ACCEPT)]
    return value


@pytest.mark.parametrize(("lang", "problem", "word"), PROBLEMS)
async def test_a_problem_told_before_consent_rides_in_the_button_and_is_not_asked_again(
    sqlite_url, clock, lang, problem, word
):
    clock.now = at("2026-11-24T10:00")
    settings = Settings(database_url=sqlite_url, agents=DEMO_AGENTS, demo=True)
    app = await App.start(settings, clock=clock)
    chat = Chat(app, user=DESKTOP_USER, name="Olli Operaattori", conversation=f"dm-{lang}")
    try:
        [question] = await chat.say(problem)
        assert question.text == text(app, lang, "consent_text.needed_for_handover")
        value = accept_value(chat)
        assert word not in value and "|~" in value, "the payload is sealed"
        assert len(value) <= 2000, "fits a Slack button"
        assert len(await chat.receive()) == 1, "delivered: the outbox keeps nothing"
        await nothing_personal(app, word, DESKTOP_USER, "Olli")
        [conversation] = (await all_rows(app))["conversations"]
        assert conversation["draft"] is None and conversation["user_id"] is None
    finally:
        await app.close()
    # Closed, the files themselves hold no byte of it: only the button (the platform) does.
    assert raw_sqlite_holds(sqlite_url, word, DESKTOP_USER, "Olli") == []
    app = await App.start(settings, clock=clock)
    try:
        chat.app = app
        await chat.click(actions.CONSENT_ACCEPT)
        assert chat.text == TEXTS.get(lang, "handover.ask_urgency"), "product and problem known"
        await chat.click("urgency:2")
        await chat.click("existing:new")
        [case] = (await all_rows(app))["cases"]
        assert case["description"] == problem and case["product"] == "Creo"
        assert len((await all_rows(app))["consents"]) == 1
    finally:
        await app.close()


async def test_the_question_the_bot_could_not_answer_goes_with_the_person_button(
    desk_app, clock, scripted
):
    clock.now = at("2026-11-24T10:00")
    chat = Chat(desk_app, user=DESKTOP_USER, conversation="dm-no-answer")
    question = "Tukeeko Creo 11 jotain ihan outoa Linux-jakelua nimeltä Zorblax?"
    scripted[question] = Route(Outcome.NO_ANSWER, lang="fi", confidence=0.9,
                               products=("Creo",), versions=("11",))  # fmt: skip
    await chat.say(question)
    [person] = [b for b in chat.buttons() if b.startswith(actions.HANDOVER)]
    assert "Zorblax" not in person
    await chat.click(actions.HANDOVER)
    assert offers_consent(chat) and "Zorblax" not in accept_value(chat)
    await nothing_personal(desk_app, "Zorblax")
    await chat.click(actions.CONSENT_ACCEPT)
    assert chat.text == TEXTS.get("fi", "handover.ask_urgency"), "the product came along"
    await chat.click("urgency:4")
    assert chat.text == TEXTS.get("fi", "handover.ask_existing"), "the question is the description"
    await chat.click("existing:new")
    [case] = (await all_rows(desk_app))["cases"]
    assert case["description"] == question and case["version"] == "11"


async def test_an_altered_payload_is_an_empty_one(desk_app, clock):
    clock.now = at("2026-11-24T10:00")
    chat = Chat(desk_app, user=DESKTOP_USER, conversation="dm-forged")
    await chat.say("Creo kaatuu aina kun avaan ison kokoonpanon")
    forged = accept_value(chat)[:-6] + "AAAAAA"
    await chat.push(chat.message(action=forged, label="Hyväksyn"))
    assert chat.text == TEXTS.get("fi", "handover.ask_product"), "asks again, nothing broke"
    assert len((await all_rows(desk_app))["consents"]) == 1


async def test_a_long_problem_that_compresses_well_fits_the_button_whole(desk_app, clock):
    chat = Chat(desk_app, user=DESKTOP_USER, conversation="dm-long")
    long = "Creo kaatuu aina kun avaan ison kokoonpanon. " + "ÄÖ" * 1500
    await chat.say(long)
    assert len(accept_value(chat)) <= 2000
    await chat.click(actions.CONSENT_ACCEPT)
    await chat.click("urgency:3")
    await chat.click("existing:new")
    [case] = (await all_rows(desk_app))["cases"]
    assert case["description"] == long, "sealed it fits: not cut"
