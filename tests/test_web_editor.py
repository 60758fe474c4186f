"""The editors' workbench through the real server over loopback: unanswered questions in
clusters (a non-consented customer's words never kept), a draft article to download,
review status, lint, the regression evaluation, and publishing a fixed article that then
answers the question, in this process and in another one on the same database."""

from __future__ import annotations

import asyncio
import html
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot.app.console import Console
from bot.app.serving import start_app
from tests.harness import Clock, rows_mentioning
from tests.test_web_chat import open_chat, say
from tests.web_harness import EDITOR, Console_, buttons, running_console, web_settings

REPO = Path(__file__).resolve().parent.parent
UNANSWERED = "Voiko Mathcad Prime tulostaa laskentataulukon PDF:ksi?"
PRIVATE = "Voiko Mathcad Prime -taulukon tulostaa vaakasuuntaan?"


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(REPO / "knowledge" / "articles", folder)
    return folder


@pytest.fixture
async def console(database_url: str, clock: Clock, articles: Path) -> AsyncIterator[Console_]:
    settings = web_settings(database_url, articles_dir=str(articles))
    async with running_console(settings, clock) as console:
        yield console


def fixed_article(draft: str, folder: Path) -> None:
    """What an editor does with the draft: fill it in and save it as a new article."""
    article = yaml.safe_load(draft)
    article.update(
        id="mathcad-pdf-export",
        title={"fi": "Mathcad Prime -laskentataulukko PDF:ksi",
               "en": "Mathcad Prime worksheet to PDF"},
        answer={"fi": "Valitse Tiedosto > Tallenna nimellä ja tiedostotyypiksi PDF.\n",
                "en": "Choose File > Save As and PDF as the file type.\n"},
        products=["Mathcad"], keywords=["pdf", "tallenna pdf", "export pdf"],
        sources=[{"title": "PTC Mathcad Help Center",
                  "url": "https://support.ptc.com/help/mathcad/"}],
        owner="Econocap tekninen tuki",
    )  # fmt: skip
    article["questions"]["fi"] += ["Saako Mathcad-laskennan tallennettua PDF-muodossa?",
                                   "mathcad prime pdf-tuloste"]  # fmt: skip
    article["questions"]["en"] = ["How do I save a Mathcad Prime worksheet as PDF?",
                                  "mathcad prime export to pdf",
                                  "Can Mathcad print a worksheet to a PDF file?"]  # fmt: skip
    (folder / "mathcad-pdf-export.yaml").write_text(yaml.safe_dump(article, allow_unicode=True))



async def consent(customer, chat) -> None:
    """A customer consents the way the bot asks for it: before a person is needed; the
    hand-over is then left with "peruuta", and the conversation goes on consented."""
    asked = await say(customer, chat, "Haluan puhua ihmisen kanssa", until="consent:accept")
    accept = buttons(asked)["Hyväksyn"]
    await say(customer, chat, action=accept, label="Hyväksyn", until="handover:cancel")
    await say(customer, chat, "peruuta", until="en välitä")

async def test_an_unanswered_question_becomes_an_article_that_answers_it(
    console: Console_, articles: Path
):
    customer, chat = await open_chat(console)
    await consent(customer, chat)
    await say(customer, chat, UNANSWERED, until="handover:start")
    stranger, their_chat = await open_chat(console)  # never consents
    await say(stranger, their_chat, PRIVATE, until="handover:start")
    await console.served.settled()

    editor = console.browser()
    await editor.sign_in(EDITOR[0])
    status, page = await editor.get("/editor")
    text = html.unescape(page)
    assert status == 200 and UNANSWERED in text
    assert PRIVATE not in text, "a non-consented customer's words are counted, not kept"
    assert await rows_mentioning(console.app, PRIVATE) == []
    assert "vain lukumääränä" in text
    assert "mathcad-os" in text and "tarkistus" in text, "articles with their review status"

    status, draft = await editor.get("/editor/draft/1.yaml")
    assert status == 200 and UNANSWERED in draft
    fixed_article(draft, articles)

    status, evaluated = await editor.post("/editor/eval", {})
    assert status == 200 and "esimerkkikysymystä" in evaluated and "mathcad-os" in evaluated

    status, published = await editor.post("/editor/publish", {})
    assert status == 200 and "Julkaistu" in published, published
    before = len(chat.seen)
    answer = await say(customer, chat, UNANSWERED, until="helpful:")
    assert "Tallenna nimellä" in html.unescape(answer), "the published article answers"
    assert len(chat.seen) > before


async def test_a_broken_edit_is_not_published(console: Console_, articles: Path):
    (articles / "broken.yaml").write_text("id: broken\ntitle: [not, a, mapping\n")
    editor = console.browser()
    await editor.sign_in(EDITOR[0])
    status, refused = await editor.post("/editor/publish", {})
    assert status == 200 and 'role="alert"' in refused and "Ei julkaistu" in refused
    customer, chat = await open_chat(console)
    answer = await say(customer, chat, "Mikä Java-versio Windchill 12:lle?", until="Java 11")
    assert "Java 11" in html.unescape(answer), "the published articles stay in use"


async def test_other_processes_follow_a_publication(
    console: Console_, articles: Path, database_url: str, clock: Clock
):
    other = await start_app(web_settings(database_url, articles_dir=str(articles)), clock=clock)
    try:
        follower = Console(other)
        stop = asyncio.Event()
        following = asyncio.create_task(follower.follow_publications(stop))
        (articles / "mathcad-os.yaml").write_text(
            (articles / "mathcad-os.yaml").read_text().replace(
                "questions:\n  fi:\n", f"questions:\n  fi:\n    - {UNANSWERED}\n", 1))
        editor = console.browser()
        await editor.sign_in(EDITOR[0])
        _, published = await editor.post("/editor/publish", {})
        assert "Julkaistu" in published
        async with asyncio.timeout(60):
            await follower.followed.wait()
        assert other.knowledge.current().route(UNANSWERED).article == "mathcad-os"
        stop.set()
        await following
    finally:
        await other.close()


async def test_erasing_a_customer_erases_their_unanswered_questions(console: Console_):
    customer, chat = await open_chat(console)
    await consent(customer, chat)
    await say(customer, chat, UNANSWERED, until="handover:start")
    await console.served.settled()
    kept = [row for table, row in await rows_mentioning(console.app, UNANSWERED)
            if table == "unanswered_questions"]  # fmt: skip
    assert len(kept) == 1 and kept[0]["user_id"]
    await console.app.storage.erase_user(kept[0]["user_id"], at=console.app.clock(), source="test")
    assert await rows_mentioning(console.app, UNANSWERED) == []


async def test_unanswered_questions_are_forgotten_after_half_a_year(console: Console_):
    from bot.core.gaps import UnansweredQuestion
    from storage.web import SqlWebStore

    store = SqlWebStore(console.app.database)
    now = console.app.clock()
    for days in (200, 10):
        await store.add_unanswered(UnansweredQuestion(
            at=now - timedelta(days=days), lang="fi", kind="no_answer", text=None, article=None))
    await console.app.housekeep()
    left = await store.unanswered(since=now - timedelta(days=1000))
    assert [q.at for q in left] == [now - timedelta(days=10)]
