"""Reading a message as an engineer does: its parts, small talk, problem reports."""

from __future__ import annotations

import pytest

from knowledge.reading import Role, read, small_talk_kind
from knowledge.route import SmallTalk


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Hei", SmallTalk.GREETING),
        ("moikka!", SmallTalk.GREETING),
        ("Hello there", SmallTalk.GREETING),
        ("Hej", SmallTalk.GREETING),
        ("kiitos", SmallTalk.THANKS),
        ("Thanks a lot!", SmallTalk.THANKS),
        ("Tack för hjälpen", SmallTalk.THANKS),
        ("Thanks, that's all", SmallTalk.GOODBYE),
        ("Kiitos, siinä kaikki", SmallTalk.GOODBYE),
        ("Hejdå", SmallTalk.GOODBYE),
        ("ok", SmallTalk.ACK),
        ("selvä", SmallTalk.ACK),
        ("👍", SmallTalk.ACK),
    ],
)
def test_a_message_of_only_small_talk_is_small_talk(text: str, kind: SmallTalk) -> None:
    assert small_talk_kind(text) == kind
    assert read(text).small_talk == kind


@pytest.mark.parametrize(
    "text",
    [
        "Hei, mikä Java Windchill 12:lle?",
        "Thanks, but Creo still crashes",
        "Tack, men hur länge stöds Creo 10?",
        "kiitos, voisitteko soittaa minulle",
    ],
)
def test_small_talk_around_a_question_is_not_small_talk(text: str) -> None:
    assert small_talk_kind(text) is None
    assert read(text).small_talk is None


def test_the_question_is_the_focus_and_the_story_is_context() -> None:
    reading = read("Meillä kävi viime viikolla konsultti ja asensi uudet koneet. "
                   "Toimiiko Creo 11 Windows 11:ssä?")
    assert [p.role for p in reading.parts] == [Role.CONTEXT, Role.QUESTION]
    assert reading.focus() == "Toimiiko Creo 11 Windows 11:ssä?"
    assert reading.has_context()
    assert not reading.problem


@pytest.mark.parametrize(
    "text",
    [
        'Creo antaa virheen "License server does not support this feature (-18,147)"',
        "Windchill 12.1 stopped working after the update",
        "Creo lakkasi toimimasta päivityksen jälkeen",
        "ThingWorx gives HTTP 500 on login",
        "Mathcad slutade fungera efter uppdateringen",
    ],
)
def test_problem_reports_with_error_text_are_problems(text: str) -> None:
    assert read(text).problem


@pytest.mark.parametrize(
    "text",
    ["Mikä Java Windchill 12:lle?", "Where do I download Creo 11?",
     "Vilka operativsystem stöder Creo?"],
)
def test_questions_are_not_problems(text: str) -> None:
    assert not read(text).problem
