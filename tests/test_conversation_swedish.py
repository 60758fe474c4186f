"""Swedish (issue 9): the bot's own texts in Swedish, Swedish messages answered in
Swedish, articles shown in English with a Swedish lead-in."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.texts import Catalogue, placeholders
from bot.core.timefmt import clock, day_and_time
from handlers import actions
from tests.harness import Chat, all_rows
from tests.talk_harness import TEXTS, text
from tests.test_handover import DESKTOP_USER, at, desk_app

__all__ = ["desk_app"]  # a fixture used here


def test_every_text_exists_in_swedish_and_english_with_the_same_placeholders():
    texts = Catalogue.load().texts
    fi = texts["fi"]
    for lang in ("sv", "en"):
        other = texts[lang]
        assert set(fi) <= set(other), f"{lang} lacks {sorted(set(fi) - set(other))}"
        wrong = [k for k in fi if placeholders(fi[k]) != placeholders(other[k])]
        assert wrong == [], f"{lang}: {wrong}"
        assert all(other[k].strip() for k in fi), f"{lang} has empty texts"


def test_times_read_as_swedish_in_finland():
    now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tuesday 10:00 in Helsinki
    assert clock(datetime(2026, 11, 24, 10, 30, tzinfo=UTC), "sv") == "kl. 12.30"
    assert day_and_time(datetime(2026, 11, 24, 10, 30, tzinfo=UTC), "sv", now) == "i dag kl. 12.30"
    assert day_and_time(datetime(2026, 11, 25, 6, 0, tzinfo=UTC), "sv", now) == "i morgon kl. 8"
    assert day_and_time(datetime(2026, 11, 30, 6, 0, tzinfo=UTC), "sv", now) == (
        "på måndag 30.11 kl. 8"
    )


async def test_a_swedish_question_gets_the_english_article_with_a_swedish_lead_in(app):
    chat = Chat(app, conversation="dm-sv-answer")
    answer, helpful = await chat.say("Hej! Vilken Java-version behöver Windchill 12?")
    lead_in = TEXTS.get("sv", "talk.in_english")
    assert answer.kind.value == "answer"
    assert answer.text.startswith(f"{lead_in}\n\nJava versions for Windchill\n\n")
    assert answer.links[0].title.startswith(TEXTS.get("sv", "answer.source"))
    assert helpful.text == "Hjälpte det här?"
    assert [b.label for b in helpful.buttons] == ["Ja, tack", "Nej, jag vill ha hjälp av en person"]


async def test_a_swedish_problem_is_handed_over_in_swedish(desk_app, clock):
    clock.now = at("2026-11-24T10:00")
    chat = Chat(desk_app, user=DESKTOP_USER, conversation="dm-sv-handover")
    problem = "Creo kraschar varje gång jag öppnar en stor sammanställning"
    await chat.say(problem)  # a problem report: handed over, so consent is asked at once
    assert chat.text == text(desk_app, "sv", "consent_text.needed_for_handover")
    assert [b.label for r in chat.last for b in r.buttons] == ["Jag godkänner",
                                                               "Jag godkänner inte"]  # fmt: skip
    await chat.click(actions.CONSENT_ACCEPT)
    if chat.text == TEXTS.get("sv", "handover.ask_product"):
        await chat.say("Creo")
    assert chat.text == "Hur brådskande är det?"
    await chat.say("brådskande")
    assert chat.text == TEXTS.get("sv", "handover.ask_existing")
    await chat.say("nytt ärende")
    assert "står nu i kön på plats 1" in chat.text and "senast i dag kl. 12" in chat.text
    [case] = (await all_rows(desk_app))["cases"]
    assert case["urgency"] == 1 and case["description"] == problem and case["lang"] == "sv"


async def test_a_swedish_problem_quoting_an_english_error_is_answered_in_swedish(desk_app, clock):
    """The quoted error is the software's language; the customer wrote Swedish."""
    clock.now = at("2026-11-24T10:00")
    chat = Chat(desk_app, user=DESKTOP_USER, conversation="dm-sv-quoted")
    await chat.say('Hej, vår licensserver ger felet "License server machine is down or not '
                   'responding (-96,7)" sedan i morse')
    assert chat.text == text(desk_app, "sv", "consent_text.needed_for_handover")
    await chat.click(actions.CONSENT_ACCEPT)
    assert chat.text in (TEXTS.get("sv", "handover.ask_product"), "Hur brådskande är det?")
