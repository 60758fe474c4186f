"""Staff accounts and the agents' desk through the real server over loopback: sign-in
and its throttle, roles, the live queue, take (one winner), reply, note, urgency,
transfer, hand back and close, and who else is looking."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator

import pytest

from bot.channels.web.security import STAFF_COOKIE
from tests.harness import Clock
from tests.test_web_chat import handed_over, open_chat
from tests.web_harness import AGENT, EDITOR, OTHER_AGENT, Console_, running_console, web_settings


@pytest.fixture
async def console(database_url: str, clock: Clock) -> AsyncIterator[Console_]:
    async with running_console(web_settings(database_url), clock) as console:
        yield console


async def agent(console: Console_, who: tuple[str, str] = AGENT):
    browser = console.browser()
    status, _ = await browser.sign_in(who[0])
    assert status == 303
    return browser


async def test_sign_in_sets_an_encrypted_expiring_cookie_and_roles_decide(console: Console_):
    browser = console.browser()
    async with browser.session.get("/desk", allow_redirects=False) as response:
        assert response.status == 303 and response.headers["Location"].startswith("/signin")
    status, _ = await browser.sign_in(AGENT[0])
    assert status == 303
    cookie = next(c for c in browser.session.cookie_jar if c.key == STAFF_COOKIE)
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["max-age"]
    assert AGENT[0] not in cookie.value and "agent" not in cookie.value, "encrypted"
    status, page = await browser.get("/desk")
    assert status == 200 and "Maija Virtanen" in page
    assert (await browser.get("/editor"))[0] == 403, "agents do not edit the knowledge base"

    editor = console.browser()
    await editor.sign_in(EDITOR[0])
    assert (await editor.get("/editor"))[0] == 200
    assert (await editor.get("/desk"))[0] == 403


async def test_wrong_passwords_are_refused_then_throttled(console: Console_):
    browser = console.browser()
    statuses = [(await browser.sign_in(AGENT[0], "wrong password!"))[0] for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    status, page = await browser.sign_in(AGENT[0])
    assert status == 429 and "15" in page, "even the right password waits out the throttle"
    other = (await browser.sign_in("nobody@econocap.example", "whatever123"))[0]
    assert other == 429, "the address is throttled too, whichever account it tries"


async def test_sign_in_needs_the_token_and_this_origin(console: Console_):
    browser = console.browser()
    await browser.get("/signin")
    data = {"email": AGENT[0], "password": "correct horse battery"}
    assert (await browser.post("/signin", data, htmx=False, token="forged"))[0] == 403
    assert (await browser.post("/signin", data, htmx=False, origin="http://evil.example"))[0] == 403


async def test_a_case_arrives_live_and_the_agent_works_it_to_the_end(console: Console_):
    maija = await agent(console)
    desk_events = await maija.listen("/desk/events")
    status, page = await maija.get("/desk?tab=unassigned")
    assert status == 200 and "Ei tapauksia" in page

    customer, chat = await open_chat(console)
    case_id = await handed_over(customer, chat)
    await desk_events.wait_for(lambda name, _: name == "changed")
    status, queue = await maija.get("/desk/queue?tab=unassigned")
    assert f"#{case_id}" in queue and "Konepaja Esimerkki Oy" in queue
    assert "on-time" in queue, "the 2-hour target shows as a badge"

    status, page = await maija.get(f"/desk?case={case_id}")
    assert "olli.operaattori@konepaja.example" in page and "Creo kaatuu" in page
    assert "on voimassa" in page, "the entitlement is on the case"
    assert 'aria-keyshortcuts="t"' in page

    status, taken = await maija.post(f"/desk/case/{case_id}/take", {})
    assert status == 200 and "Maija Virtanen" in taken
    await chat.text("Maija")

    before = len(chat.seen)
    status, _ = await maija.post(f"/desk/case/{case_id}/reply", {"text": "Kokeile uutta ajuria"})
    assert status == 200
    await chat.text("Kokeile uutta ajuria", after=before)

    status, noted = await maija.post(f"/desk/case/{case_id}/note", {"text": "Tuttu vika 42"})
    assert status == 200 and "Tuttu vika 42" in html.unescape(noted)
    assert 'class="msg note"' in noted, "notes are drawn apart from the conversation"

    status, urgent = await maija.post(f"/desk/case/{case_id}/urgency", {"urgency": "1"})
    assert status == 200 and "Tuotanto" in urgent

    status, closed = await maija.post(f"/desk/case/{case_id}/close",
                                      {"resolution": "Ajuri korjasi", "next": ""})  # fmt: skip
    assert status == 200 and "Ajuri korjasi" in html.unescape(closed)
    await chat.text("Ajuri korjasi")
    assert not any("Tuttu vika" in data for _, data in chat.seen), "a note never reaches the chat"


async def test_two_agents_race_for_one_case_and_exactly_one_wins(console: Console_):
    maija, pekka = await agent(console), await agent(console, OTHER_AGENT)
    customer, chat = await open_chat(console)
    case_id = await handed_over(customer, chat)
    await maija.get(f"/desk?case={case_id}")
    await pekka.get(f"/desk?case={case_id}")
    (s1, page1), (s2, page2) = await asyncio.gather(
        maija.post(f"/desk/case/{case_id}/take", {}), pekka.post(f"/desk/case/{case_id}/take", {})
    )
    assert s1 == s2 == 200
    refusals = [page for page in (page1, page2) if 'role="alert"' in page]
    assert len(refusals) == 1, "exactly one agent wins"
    winner = "Pekka Korhonen" if refusals[0] is page1 else "Maija Virtanen"
    assert winner in refusals[0], "the other sees who has it"
    card = (await console.app.desk.queue(AGENT[0]))[0]
    assert card.holder_name == winner


async def test_agents_see_who_else_is_looking(console: Console_):
    maija, pekka = await agent(console), await agent(console, OTHER_AGENT)
    customer, chat = await open_chat(console)
    case_id = await handed_over(customer, chat)
    await maija.get(f"/desk?case={case_id}")
    _, live = await pekka.get(f"/desk/case/{case_id}/live")
    assert "Maija Virtanen" in live and "katsoo" in live
    _, own = await maija.get(f"/desk/case/{case_id}/live")
    assert "Pekka Korhonen" in own


async def test_transfer_and_hand_back(console: Console_):
    maija = await agent(console)
    customer, chat = await open_chat(console)
    case_id = await handed_over(customer, chat)
    await maija.post(f"/desk/case/{case_id}/take", {})
    status, moved = await maija.post(f"/desk/case/{case_id}/transfer", {"to": OTHER_AGENT[0]})
    assert status == 200 and "Pekka Korhonen" in moved
    await chat.text("Pekka")
    pekka = await agent(console, OTHER_AGENT)
    _, mine = await pekka.get("/desk/queue?tab=mine")
    assert f"#{case_id}" in mine
    status, back = await pekka.post(f"/desk/case/{case_id}/handback", {})
    assert status == 200 and 'role="alert"' not in back
    assert await console.app.desk.queue(AGENT[0]) == []


async def test_desk_actions_need_a_session_and_the_token(console: Console_):
    customer, chat = await open_chat(console)
    case_id = await handed_over(customer, chat)
    stranger = console.browser()
    assert (await stranger.post(f"/desk/case/{case_id}/take", {}))[0] == 403
    maija = await agent(console)
    assert (await maija.post(f"/desk/case/{case_id}/take", {}, token="forged"))[0] == 403
    assert (await maija.post(f"/desk/case/{case_id}/take", {}, origin="http://x.example"))[0] == 403
    assert (await console.app.desk.queue(AGENT[0]))[0].holder is None


async def test_the_target_badge_turns_due_soon_then_overdue(console: Console_, clock: Clock):
    maija = await agent(console)
    customer, chat = await open_chat(console)
    case_id = await handed_over(customer, chat)
    _, queue = await maija.get("/desk/queue?tab=all")
    assert 'class="badge on-time"' in queue
    clock.advance(hours=1, minutes=45)  # 15 minutes before the 2-hour target
    _, queue = await maija.get("/desk/queue?tab=all")
    assert 'class="badge due-soon"' in queue
    clock.advance(minutes=30)
    _, page = await maija.get(f"/desk?case={case_id}")
    assert page.count('class="badge overdue"') == 2, "in the queue and on the case"
    assert "Myöhässä" in page
