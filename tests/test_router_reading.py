"""Routing as an engineer reads: small talk, the question inside a story, problem
reports with error text, close readings that ask, Swedish, and the model's data."""

from __future__ import annotations

import pytest

from knowledge.classifier import LinearModel
from knowledge.route import Outcome, SmallTalk
from knowledge.router import MODEL_FILE, Router
from knowledge.train import fingerprint


@pytest.fixture(scope="module")
def router() -> Router:
    return Router.default()


def test_the_shipped_model_is_trained_on_the_current_examples() -> None:
    _, trained_on, params = LinearModel.load(MODEL_FILE)
    assert trained_on == fingerprint(), "run `python -m knowledge.train` and commit the model"
    assert 0.3 <= params["threshold"] <= 0.9


@pytest.mark.parametrize(
    ("text", "lang", "kind"),
    [
        ("Hei", "fi", SmallTalk.GREETING),
        ("kiitos!", "fi", SmallTalk.THANKS),
        ("Kiitos, siinä kaikki", "fi", SmallTalk.GOODBYE),
        ("ok", None, SmallTalk.ACK),
        ("Hello", "en", SmallTalk.GREETING),
        ("Thanks, that's all", "en", SmallTalk.GOODBYE),
        ("Tack för hjälpen", "sv", SmallTalk.THANKS),
    ],
)
def test_small_talk_is_an_outcome_with_its_kind(router: Router, text: str, lang: str | None,
                                                kind: SmallTalk) -> None:
    route = router.route(text)
    assert (route.outcome, route.small_talk) == (Outcome.SMALL_TALK, kind)
    assert route.detail() is None
    if lang:
        assert route.lang == lang


def test_a_greeting_before_a_question_is_not_small_talk(router: Router) -> None:
    route = router.route("Moi! Mikä Java-versio Windchill 12:lle?")
    assert (route.outcome, route.article) == (Outcome.ANSWER, "windchill-java")


@pytest.mark.parametrize(
    ("text", "article"),
    [
        # Incidental cue words in the story ("kävi", "meillä", "tulla") must not decide.
        ("Meillä kävi viime viikolla IT:n kaveri ja vaihtoi kaikki koneet uusiin. Nyt pitäisi "
         "tietää, toimiiko Creo 11 Windows 11:ssä?", "creo-supported-os"),
        ("We had a consultant come over last month to set up our new office. Which Java "
         "version does Windchill 13 need?", "windchill-java"),
    ],
)
def test_the_question_decides_not_the_story_around_it(router: Router, text: str,
                                                      article: str) -> None:
    route = router.route(text)
    assert (route.outcome, route.article) == (Outcome.ANSWER, article)


@pytest.mark.parametrize(
    "text",
    [
        'Creo antaa virheen "License server does not support this feature (-18,147)"',
        "Windchill 12.1 stopped working after the update this weekend",
        "Creo lakkasi toimimasta päivityksen jälkeen, tulee virhe -15",
    ],
)
def test_problem_reports_with_error_text_are_handed_over(router: Router, text: str) -> None:
    route = router.route(text)
    assert route.outcome == Outcome.ESCALATE
    assert route.problem
    assert route.article is None


@pytest.mark.parametrize(
    ("text", "article"),
    [
        ("Vilka operativsystem stöder Creo Parametric?", "creo-supported-os"),
        ("Vilken Java-version behöver Windchill 12?", "windchill-java"),
        ("Var laddar jag ner Creo 11?", "esupport-software-download"),
    ],
)
def test_swedish_questions_are_routed_like_finnish_ones(router: Router, text: str,
                                                        article: str) -> None:
    route = router.route(text)
    assert (route.outcome, route.article, route.lang) == (Outcome.ANSWER, article, "sv")


def test_swedish_declines_and_problems_are_routed(router: Router) -> None:
    assert router.route("Kan ni skicka en tekniker till vårt kontor?").detail() == (
        "reason", "onsite")
    assert router.route("Creo kraschar varje gång jag öppnar en ritning").outcome == (
        Outcome.ESCALATE)


def test_problems_told_in_words_are_flagged_and_requests_for_a_person_are_not(
        router: Router) -> None:
    crash = router.route("Creo kaatuu aina kun avaan piirustuksen")
    assert (crash.outcome, crash.problem) == (Outcome.ESCALATE, True)
    person = router.route("Can I talk to a person?")
    assert (person.outcome, person.problem) == (Outcome.ESCALATE, False)
    assert not router.route("Mikä Java-versio Windchill 12:lle?").problem


def test_close_readings_ask_with_the_alternatives(router: Router) -> None:
    asked = [r for r in map(router.route, (
        "Creo license server stopped working, which Creo versions does FlexNet 11.19 support?",
        "lisenssi ei toimi, miten siirrän lisenssin uudelle koneelle",
        "Can you help us with the Windchill upgrade?",
        "Voitteko auttaa Creo-päivityksessä?",
    )) if r.clarify]
    assert asked, "none of the close readings asked"
    for route in asked:
        assert route.alternatives
        assert all((a.outcome, a.detail()) != (route.outcome, route.detail())
                   for a in route.alternatives)
    assert "clarify" in asked[0].as_json()


def test_a_plain_question_does_not_ask(router: Router) -> None:
    route = router.route("Mikä Java-versio Windchill 12:lle?")
    assert not route.clarify
    assert not route.alternatives
