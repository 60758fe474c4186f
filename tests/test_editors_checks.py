"""The editors' checks test what editors publish: `kb list`, `kb lint`, `route` and
`eval` read the articles folder given by --dir or SUPPORTBOT_ARTICLES_DIR."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from knowledge.loader import ARTICLES_DIR

NEW_ARTICLE = """\
id: windchill-browsers
title:
  fi: Windchillin tuetut selaimet
  en: Browsers supported by Windchill
answer:
  fi: Tuetut selaimet on lueteltu julkaisukohtaisesti Windchill Software Matrixissa.
  en: The supported browsers are listed per release in the Windchill Software Matrix.
questions:
  fi:
    - Mitkä selaimet Windchill tukee?
    - Toimiiko Windchill Firefoxilla?
  en:
    - Which browsers does Windchill support?
    - Does Windchill work in Firefox?
products: [Windchill]
keywords: [selain, browser, chrome, edge, firefox]
sources:
  - title: PTC Windchill Software Matrices (support.ptc.com)
    url: https://support.ptc.com/help/windchill/
owner: Econocap tekninen tuki, Windchill-tiimi
reviewed: 2026-11-24
review: 2027-05-24
"""
QUESTION = "Which browsers does Windchill support?"


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES_DIR, folder)
    (folder / "windchill-browsers.yaml").write_text(NEW_ARTICLE, encoding="utf-8")
    return folder


def _route(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["route", QUESTION, "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_route_reads_the_edited_articles_with_dir_or_the_environment(
        edited: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert _route(capsys).get("article") != "windchill-browsers"
    assert _route(capsys, "--dir", str(edited)).get("article") == "windchill-browsers"
    monkeypatch.setenv("SUPPORTBOT_ARTICLES_DIR", str(edited))
    assert _route(capsys).get("article") == "windchill-browsers"


def test_eval_scores_the_edited_articles(edited: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "browsers.jsonl"
    cases.write_text(json.dumps({"text": QUESTION, "expect": {
        "outcome": "answer", "article": "windchill-browsers"}}) + "\n", encoding="utf-8")
    assert main(["eval", str(cases), "--json", "--dir", str(edited)]) == 0
    assert json.loads(capsys.readouterr().out)["correct"] == 1


def test_kb_list_and_lint_honour_the_environment(edited: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTBOT_ARTICLES_DIR", str(edited))
    assert main(["kb", "list"]) == 0
    assert "windchill-browsers" in capsys.readouterr().out
    (edited / "broken.yaml").write_text("id: [not, an, article", encoding="utf-8")
    assert main(["kb", "lint"]) == 1
    assert "broken" in capsys.readouterr().out


def test_a_missing_folder_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["route", QUESTION, "--dir", str(tmp_path / "nowhere")]) == 1
    assert "nowhere" in capsys.readouterr().err
