"""The customers' web chat through the real server over loopback: consent, an answer,
the hand-over, an agent's reply arriving live over server-sent events, and a reload
restoring the conversation from the signed cookie. Waits are on events, not sleeps."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bot.channels.web.channel import chat_address
from bot.channels.web.security import CHAT_COOKIE
from bot.core.contract import OutboundReply
from bot.core.texts import Catalogue
from storage.live import KEEP_SECONDS, SqlLive
from storage.tables import InboxRow, WebPushRow
from tests.harness import Clock, all_rows, rows_mentioning
from tests.web_harness import (
    AGENT,
    CUSTOMER,
    Browser,
    Console_,
    buttons,
    running_console,
    web_settings,
)

QUESTION = "Mikä Java-versio Windchill 12:lle?"
ERASED = Catalogue.load().get("fi", "privacy.erased")[:20]  # with a case or without
PROBLEM = "Creo kaatuu aina kun avaan ison kokoonpanon"


@pytest.fixture
async def console(database_url: str, clock: Clock) -> AsyncIterator[Console_]:
    async with running_console(web_settings(database_url), clock) as console:
        yield console


async def open_chat(console: Console_) -> tuple[Browser, object]:
    browser = console.browser()
    status, page = await browser.get("/")
    assert status == 200 and 'aria-live="polite"' in page and browser.csrf
    return browser, await browser.listen("/chat/events")


async def say(browser: Browser, events, text: str = "", *, action: str = "", label: str = "",
              until: str) -> str:  # fmt: skip
    before = len(events.seen)
    form = {"text": text, "action": action, "label": label}
    status, echo = await browser.post("/chat/send", {k: v for k, v in form.items() if v})
    assert status == 200, echo
    assert html.escape(label or text, quote=False) in echo, "the customer's own words come back"
    await events.wait_for(lambda _, data: until in html.unescape(data), after=before)
    return "\n".join(data for _, data in events.seen[before:])


async def handed_over(browser: Browser, events) -> int:
    first = await say(browser, events, QUESTION, until="Java 11")
    assert 'class="links"' in first and "https://" in first, "with its source link"
    assert "consent:accept" not in first, "an answer stores nothing: no consent asked"
    asked = await say(browser, events, PROBLEM, until="consent:accept")
    choices = buttons(asked)
    accept = choices["Hyväksyn"]
    assert accept.startswith("consent:accept"), "consent is asked with real buttons"
    assert PROBLEM not in accept, "the problem rides in the button sealed, never in clear"
    # The web tells no email: it is asked after consent, for the entitlement check.
    await say(browser, events, action=accept, label="Hyväksyn", until="työsähköpostiosoitteesi")
    invalid = await say(browser, events, "olli at konepaja", until="ei näytä")
    assert "peruuta" in html.unescape(invalid), "a mistyped address is asked again"
    urgency = await say(browser, events, CUSTOMER, until="urgency:2")
    assert "urgency:1" in urgency
    await say(browser, events, action="urgency:2", label="2", until="existing:new")
    queued = await say(browser, events, action="existing:new", label="Uusi asia", until="jonossa")
    said = html.unescape(queued)
    assert "sijalla 1" in said and "viimeistään" in said, said
    return int(html.unescape(queued).split("#")[1].split()[0])


async def test_consent_answer_handover_and_the_agents_reply_arrives_live(console: Console_):
    browser, events = await open_chat(console)
    case_id = await handed_over(browser, events)
    card = (await console.app.desk.queue(AGENT[0]))[0]
    assert card.case_id == case_id and card.organisation == "Konepaja Esimerkki Oy"
    assert card.entitlement == "entitled", "the email given in the chat was checked"

    desk = console.app.desk
    await desk.take(AGENT[0], case_id)
    await events.text("Maija")
    before = len(events.seen)
    started = time.perf_counter()
    await desk.reply(AGENT[0], case_id, "Kokeile asetusta regen_layout_w_assem_fail")
    await events.text("regen_layout_w_assem_fail", after=before)
    assert time.perf_counter() - started < 10, "the reply is pushed, not polled"
    await desk.note(AGENT[0], case_id, "Salainen sisäinen huomio")
    await desk.close(AGENT[0], case_id, "Asetus korjasi")
    await events.text("Asetus korjasi")
    assert not any("Salainen" in data for _, data in events.seen), "notes never reach the chat"


async def test_a_reload_restores_the_conversation_without_notes(console: Console_):
    browser, events = await open_chat(console)
    case_id = await handed_over(browser, events)
    await console.app.desk.take(AGENT[0], case_id)
    await console.app.desk.reply(AGENT[0], case_id, "Palaan asiaan hetken päästä")
    await console.app.desk.note(AGENT[0], case_id, "Salainen sisäinen huomio")
    await events.text("Palaan asiaan")

    status, page = await browser.get("/")
    text = html.unescape(page)
    assert status == 200
    # The problem told before consent is kept on the case (sealed until the click), not
    # in the transcript; what came after consent is.
    for said in ("Palaan asiaan hetken päästä", "jonossa"):
        assert said in text, said
    assert "Salainen" not in text
    assert QUESTION not in text, "what was said before consent was never stored"

    stranger = console.browser()
    _, fresh = await stranger.get("/")
    assert "Palaan asiaan" not in html.unescape(fresh), "another browser gets its own conversation"


async def test_the_cookie_names_a_random_conversation_and_is_signed(console: Console_):
    browser, _ = await open_chat(console)
    cookie = next(c for c in browser.session.cookie_jar if c.key == CHAT_COOKIE)
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    chat_id, _, signature = cookie.value.partition(".")
    assert len(chat_id) >= 20 and signature and "@" not in cookie.value

    forged = console.browser()
    forged.session.cookie_jar.update_cookies({CHAT_COOKIE: f"{chat_id}.{'0' * 32}"})
    status, _ = await forged.post("/chat/send", {"text": QUESTION}, token="x")
    assert status == 403, "a forged cookie is no conversation"


async def test_nothing_is_stored_before_consent(console: Console_):
    browser, events = await open_chat(console)
    await say(browser, events, QUESTION, until="Java 11")
    await say(browser, events, PROBLEM, until="consent:accept")
    await console.served.settled()
    assert await rows_mentioning(console.app, CUSTOMER, QUESTION, PROBLEM) == []


async def test_state_changes_need_this_origin_and_the_pages_token(console: Console_):
    browser, events = await open_chat(console)
    before = await all_rows(console.app)
    refused = [
        await browser.post("/chat/send", {"text": QUESTION}, origin="https://evil.example"),
        await browser.post("/chat/send", {"text": QUESTION}, origin=""),
        await browser.post("/chat/send", {"text": QUESTION}, token="not-the-token"),
    ]
    assert [status for status, _ in refused] == [403, 403, 403]
    async with console.app.database.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(InboxRow))).scalar() == 0
    assert await all_rows(console.app) == before
    assert events.seen == []


async def test_streams_end_when_the_server_shuts_down(database_url: str, clock: Clock):
    async with running_console(web_settings(database_url), clock) as console:
        _, events = await open_chat(console)
        desk = console.browser()
        await desk.sign_in(AGENT[0])
        desk_events = await desk.listen("/desk/events")
        started = time.perf_counter()
    await asyncio.gather(events.closed(), desk_events.closed())
    assert time.perf_counter() - started < 15, "aiohttp did not wait out its 60 s"


async def test_erasure_takes_the_replies_kept_for_live_pages_too(console: Console_):
    browser, events = await open_chat(console)
    case_id = await handed_over(browser, events)
    await console.app.desk.take(AGENT[0], case_id)
    await console.app.desk.reply(AGENT[0], case_id, "Kokeile asetusta regen_layout_w_assem_fail")
    await events.text("regen_layout_w_assem_fail")
    assert await rows_mentioning(console.app, "regen_layout_w_assem_fail")
    asked = await say(browser, events, "Poista kaikki tietoni järjestelmästänne",
                      until="erase:yes")  # fmt: skip
    erase = next(v for v in buttons(asked).values() if v.startswith("erase:yes"))
    await say(browser, events, action=erase, label="Kyllä", until=ERASED)
    await console.served.settled()
    assert await rows_mentioning(console.app, CUSTOMER, "regen_layout_w_assem_fail") == []


async def test_replies_kept_for_live_pages_are_forgotten_after_minutes(console: Console_):
    live = SqlLive(console.app.database, origin="test")
    await live.record(chat_address("a-chat"), (OutboundReply(text="Vanha vastaus"),))
    assert await live.forget_old() == 0, "a fresh one stays for a reconnecting page"
    old = datetime.now(UTC) - timedelta(seconds=KEEP_SECONDS + 1)
    async with console.app.database.sessions() as session, session.begin():
        await session.execute(update(WebPushRow).values(at=old))
    assert await live.forget_old() == 1
    assert await rows_mentioning(console.app, "Vanha vastaus") == []
