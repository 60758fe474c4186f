"""Routing as an engineer reads: small talk, the question inside a story, problem
reports with error text, close readings that ask, Swedish, and the model's data."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.classifier import LinearModel
from knowledge.route import Outcome, SmallTalk
from knowledge.router import JUDGE_FILE, MODEL_FILE, Router
from knowledge.train import fingerprint


@pytest.fixture(scope="module")
def router() -> Router:
    return Router.default()


def test_the_shipped_model_is_trained_on_the_current_examples() -> None:
    _, trained_on, params = LinearModel.load(MODEL_FILE)
    assert trained_on == fingerprint(), "run `python -m knowledge.train` and commit the model"
    assert 0.3 <= params["threshold"] <= 0.9
    _, judged_on, judge_params = LinearModel.load(JUDGE_FILE)
    assert judged_on == trained_on and judge_params == params


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
        ("kiitos, nyt toimi 👍", "fi", SmallTalk.THANKS),
        ("No nyt toimii, kiitos!", "fi", SmallTalk.THANKS),
        ("Kiitos nopeasta avusta tänään!", "fi", SmallTalk.THANKS),
        ("Thanks for the help yesterday", "en", SmallTalk.THANKS),
        ("Hyvää joulua teille!", "fi", SmallTalk.GOODBYE),
        ("Trevlig helg!", "sv", SmallTalk.GOODBYE),
        ("thanks, that worked", "en", SmallTalk.THANKS),
    ],
)
def test_small_talk_is_an_outcome_with_its_kind(router: Router, text: str, lang: str | None,
                                                kind: SmallTalk) -> None:
    route = router.route(text)
    assert (route.outcome, route.small_talk) == (Outcome.SMALL_TALK, kind)
    assert route.detail() is None
    if lang:
        assert route.lang == lang


@pytest.mark.parametrize("text", ["ei toimi", "ei toimi vieläkään", "no, not fixed",
                                  "nej, det funkar inte", "toimii?", "fungerade det?",
                                  "Creo kaatui eilen", "ei toimi taas"])
def test_it_did_not_work_is_not_small_talk(router: Router, text: str) -> None:
    assert router.route(text).outcome is not Outcome.SMALL_TALK


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
        "Windchill Workgroup Manager throws java.lang.NoClassDefFoundError when I check in",
        "Mathcad Prime sulkeutuu itsestään aina kun tallennan, monta kertaa päivässä",
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


@pytest.mark.parametrize(
    ("undotted", "dotted"),
    [
        ("kayttajaa", "käyttäjää"),  # inflected: no article spells it so, the dictionary does
        ("paivittaa", "päivittää"),
        ("tyoasemalle", "työasemalle"),
        ("pitaisko", "pitäiskö"),  # colloquial: the lexicon's spelling, typed without dots
        ("tarttis", "tarttis"),
        ("kayttojarjestelmia", "käyttöjärjestelmiä"),  # a knowledge-base word, whole
        ("tukipyynnon", "tukipyynnön"),
    ],
)
def test_finnish_typed_without_dots_means_what_the_dotted_word_means(
        router: Router, undotted: str, dotted: str) -> None:
    from knowledge.catalogue import content

    def concepts(word: str) -> tuple[str, ...]:
        return content(router.normaliser, router.catalogue, word, "fi")[1]

    assert concepts(undotted) == concepts(dotted)
    assert concepts(undotted), undotted


def test_the_judge_tells_an_articles_question_from_a_near_one_it_does_not_answer(
        router: Router) -> None:
    """Both resemble the licence-server article; only one is answered by it."""
    from knowledge import answerable

    def judged(text: str) -> tuple[float, tuple[str, ...]]:
        _, analysis = router.analyse(text)
        assert analysis is not None and router.judge is not None
        ranked = router.index.rank(tuple(analysis.focus), analysis.mentions.products, limit=6)
        probs = router.model.probabilities(analysis.features) if router.model else {}
        missing = router.index.uncovered(analysis.focus, "creo-license-server")
        judge = answerable.bind(router.judge, ranked, probs,
                                lambda a: router.index.uncovered(analysis.focus, a), analysis.lang)
        return judge("creo-license-server"), tuple(c for c, _ in missing)

    answered, _ = judged("Millä lisenssipalvelimella Creon kelluvat lisenssit jaetaan?")
    near, missing = judged("How much does a FlexNet licence server cost per year for Creo?")
    assert answered > 0.5 > near
    assert "cost" in missing or "price" in missing, missing


def test_the_judge_vetoes_and_rescues_as_its_constants_say(router: Router) -> None:
    from dataclasses import replace

    from knowledge.decide import decide
    from knowledge.matcher import Scored
    from knowledge.route import Route

    probs = {"a:creo-supported-os": 0.9, "no_answer": 0.05, "escalate": 0.05}
    base = Route(Outcome.NO_ANSWER, lang="en", confidence=0.0)
    fits = (Scored("creo-supported-os", 0.9, 0.9),)
    thin = (Scored("creo-supported-os", 0.4, 0.2),)
    params = replace(router.params, answerable=0.5, rescue=0.9)
    assert decide(probs, fits, base, params, lambda _: 0.7).outcome is Outcome.ANSWER
    assert decide(probs, fits, base, params, lambda _: 0.3).outcome is Outcome.NO_ANSWER
    assert decide(probs, thin, base, params, lambda _: 0.95).outcome is Outcome.ANSWER
    assert decide(probs, thin, base, params, lambda _: 0.7).outcome is Outcome.NO_ANSWER


@pytest.mark.parametrize(
    ("word", "kept"),
    [
        ("moi", ()),  # a greeting, a stopword: not the verb myödä
        ("one", ("one",)),  # English inside a Finnish message stays English, not "yö"
        ("maa", ("maa",)),  # a Finnish word as typed is not a lexicon word without dots
        ("pohjainen", ("pohj",)),  # no false compound of short dotted fragments
    ],
)
def test_words_that_are_words_as_typed_keep_their_meaning(router: Router, word: str,
                                                           kept: tuple[str, ...]) -> None:
    from knowledge.catalogue import content

    assert content(router.normaliser, router.catalogue, word, "fi")[1] == kept


def test_a_model_file_elsewhere_gets_no_judge_of_another_training(
        router: Router, tmp_path: Path) -> None:
    import shutil

    from knowledge.loader import load_knowledge_base

    shutil.copy(MODEL_FILE, tmp_path / MODEL_FILE.name)
    kb = load_knowledge_base()
    assert Router(kb, model_file=tmp_path / MODEL_FILE.name).judge is None
    shutil.copy(JUDGE_FILE, tmp_path / JUDGE_FILE.name)
    assert Router(kb, model_file=tmp_path / MODEL_FILE.name).judge is not None
