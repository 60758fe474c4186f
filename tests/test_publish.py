"""Editors publish without a restart: checked first, swapped in whole, never half."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

import pytest

from bot.app import App, PublishRefused
from bot.core.settings import Settings
from knowledge.loader import ARTICLES_DIR
from tests.harness import Chat

BIN = Path(sys.executable).with_name("supportbot")
QUESTION = "Mitkä selaimet Windchill 13 tukee?"

NEW_ARTICLE = """\
id: windchill-browsers
title:
  fi: Windchillin tuetut selaimet
  en: Browsers supported by Windchill
answer:
  fi: >-
    Tuetut selaimet ja niiden versiot on lueteltu julkaisukohtaisesti
    Windchill Software Matrixissa.
  en: >-
    The supported browsers and their versions are listed per release in the
    Windchill Software Matrix.
questions:
  fi:
    - Mitkä selaimet Windchill tukee?
    - Toimiiko Windchill Firefoxilla?
    - Windchill selainvaatimukset
  en:
    - Which browsers does Windchill support?
    - Does Windchill work in Firefox?
    - windchill browser requirements
products: [Windchill]
keywords: [selain, browser, chrome, edge, firefox]
sources:
  - title: PTC Windchill Software Matrices (support.ptc.com)
    url: https://support.ptc.com/help/windchill/
owner: Econocap tekninen tuki, Windchill-tiimi
reviewed: 2026-11-24
review: 2027-05-24
"""


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES_DIR, folder)
    return folder


@pytest.fixture
async def editors_app(sqlite_url: str, articles: Path, clock):
    app = await App.start(
        Settings(database_url=sqlite_url, articles_dir=str(articles)), clock=clock
    )
    yield app
    await app.close()


def answered(replies) -> str | None:
    return next((r.text for r in replies if r.kind.value == "answer"), None)


async def test_a_new_article_is_answered_once_published(editors_app, articles, clock):
    chat = Chat(editors_app)
    assert answered(await chat.say(QUESTION)) is None
    (articles / "windchill-browsers.yaml").write_text(NEW_ARTICLE, encoding="utf-8")
    assert answered(await chat.say(QUESTION)) is None, "nothing changes before publishing"
    snapshot = await editors_app.knowledge.publish(clock.now.date())
    assert len(snapshot.kb.articles) == 26
    assert "Windchillin tuetut selaimet" in (answered(await chat.say(QUESTION)) or "")


async def test_a_broken_edit_is_refused_and_the_published_articles_stay(
    editors_app, articles, clock
):
    before = editors_app.knowledge.current()
    (articles / "windchill-browsers.yaml").write_text(NEW_ARTICLE.replace("owner:", "ownr:"))
    with pytest.raises(PublishRefused) as refused:
        await editors_app.knowledge.publish(clock.now.date())
    assert "windchill-browsers" in str(refused.value)
    assert editors_app.knowledge.current() is before
    chat = Chat(editors_app)
    assert "Java 11" in (answered(await chat.say("Mikä Java-versio Windchill 12:lle?")) or "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _line(stream: asyncio.StreamReader, text: str) -> str:
    while True:
        raw = await asyncio.wait_for(stream.readline(), 60)
        if not raw:
            raise AssertionError(f"{text!r} never came")
        if text in raw.decode():
            return raw.decode()


async def test_sighup_publishes_in_a_running_server(tmp_path, articles):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SUPPORTBOT_"))}
    env.pop("DATABASE_URL", None)
    env.update(SUPPORTBOT_DATA_DIR=str(tmp_path), SUPPORTBOT_ARTICLES_DIR=str(articles))
    server = await asyncio.create_subprocess_exec(
        str(BIN), "serve", "--host", "127.0.0.1", "--port", str(_free_port()), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)  # fmt: skip
    assert server.stdout is not None
    try:
        await _line(server.stdout, "supportbot serving on")
        (articles / "windchill-browsers.yaml").write_text(NEW_ARTICLE, encoding="utf-8")
        server.send_signal(signal.SIGHUP)
        assert "26 articles" in await _line(server.stdout, "knowledge base published")
        (articles / "broken.yaml").write_text("id: [not, an, article", encoding="utf-8")
        server.send_signal(signal.SIGHUP)
        await _line(server.stdout, "NOT published")
    finally:
        server.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.wait(), 30)


async def test_serve_refuses_to_start_on_articles_that_fail_lint(tmp_path, articles):
    (articles / "windchill-browsers.yaml").write_text(NEW_ARTICLE.replace("owner:", "ownr:"),
                                                     encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SUPPORTBOT_"))}
    env.pop("DATABASE_URL", None)
    env.update(SUPPORTBOT_DATA_DIR=str(tmp_path), SUPPORTBOT_ARTICLES_DIR=str(articles))
    server = await asyncio.create_subprocess_exec(
        str(BIN), "serve", "--host", "127.0.0.1", "--port", str(_free_port()), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)  # fmt: skip
    output, _ = await asyncio.wait_for(server.communicate(), 120)
    assert server.returncode == 1
    assert "windchill-browsers" in output.decode()
    assert "serving on" not in output.decode()
