"""Language detection of short, mixed chat messages."""

from __future__ import annotations

import pytest

from knowledge.language import detect_language


@pytest.mark.parametrize(
    "text",
    [
        "Toimiiko Creo?",
        "toimiiks creo win11",
        "miten mä saan lisenssin",
        "mathcad prime macille",
        "release advisor missä",
        "kiitos",
        "moi",
        "apua",
        "Mikä Java-versio Windchill 12:lle?",
        "creo parametric linuxilla onnistuuko",
    ],
)
def test_short_finnish(text: str) -> None:
    assert detect_language(text, default="en") == "fi"


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "help",
        "Thank you!",
        "where download creo",
        "does creo 11 run on windows 10",
        "Can Windchill run on SQL Server?",
        "export my data",
        "flexnet license server for creo",
    ],
)
def test_short_english(text: str) -> None:
    assert detect_language(text, default="fi") == "en"


def test_swedish() -> None:
    assert detect_language("Hur installerar jag Creo?") == "sv"


@pytest.mark.parametrize("text", ["", "Creo 11", "Windchill 13.0.2?", "???", "ok"])
def test_nothing_to_tell_by_gives_the_default(text: str) -> None:
    assert detect_language(text) == "fi"
    assert detect_language(text, default="en") == "en"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ('Hej, vår licensserver ger felet "License server machine is down or not responding '
         '(-96,7)" sedan i morse', "sv"),
        ("Creo antaa aamusta asti virheen 'Unable to connect to the license server, please "
         "check your network'", "fi"),
        ('Windchill shows "Palvelin ei vastaa" to our Finnish users since the update', "en"),
    ],
)
def test_quoted_error_text_does_not_decide_the_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang
