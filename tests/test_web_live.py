"""Live pages across processes: two servers on one PostgreSQL database. A web customer
whose page is connected to one sees, within seconds, what is sent through the other;
an agent's desk on one refreshes when a case changes through the other. A lost nudge
costs latency only: the poll catches up. (SQLite is one process: tests/test_web_chat.py.)"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from bot.channels.web.channel import chat_address
from bot.channels.web.live import POLL_SECONDS
from bot.channels.web.security import CHAT_COOKIE
from bot.core.contract import OutboundReply
from storage.live import SqlLive
from tests.conftest import POSTGRES_URL, fresh_postgres, needs_postgres
from tests.harness import Clock
from tests.test_web_chat import handed_over, open_chat
from tests.web_harness import AGENT, Console_, running_console, web_settings

pytestmark = needs_postgres

SECONDS = 5.0  # "within seconds": a nudge takes milliseconds, a missed one one poll


@pytest.fixture
async def pair(clock: Clock) -> AsyncIterator[tuple[Console_, Console_]]:
    assert POSTGRES_URL
    await fresh_postgres(POSTGRES_URL)
    settings = web_settings(POSTGRES_URL, secret_key="0123456789abcdef" * 4)
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(running_console(settings, clock))
        second = await stack.enter_async_context(running_console(settings, clock))
        yield first, second


def chat_of(browser) -> str:
    cookie = next(c for c in browser.session.cookie_jar if c.key == CHAT_COOKIE)
    return cookie.value.partition(".")[0]


async def test_a_reply_delivered_by_the_other_process_reaches_the_page(pair):
    here, there = pair
    browser, events = await open_chat(here)
    await handed_over(browser, events)
    before, started = len(events.seen), time.perf_counter()
    # The other process delivers (its dispatcher took the outbox row): the page is not its.
    web = there.served.mount("web")
    assert web is not None
    await web.channel.send(chat_address(chat_of(browser)),
                           [OutboundReply(text="Toisesta prosessista terveisiä")])  # fmt: skip
    await events.text("Toisesta prosessista terveisiä", after=before)
    assert time.perf_counter() - started < SECONDS


async def test_an_agent_on_the_other_process_is_seen_live(pair):
    here, there = pair
    browser, events = await open_chat(here)
    case_id = await handed_over(browser, events)
    await there.app.desk.take(AGENT[0], case_id)
    await events.text("Maija")
    before, started = len(events.seen), time.perf_counter()
    await there.app.desk.reply(AGENT[0], case_id, "Kokeile asetusta regen_layout_w_assem_fail")
    await events.text("regen_layout_w_assem_fail", after=before)
    assert time.perf_counter() - started < SECONDS
    # In order, once: the page never shows a reply twice though both processes follow.
    texts = [data for _, data in events.seen if "regen_layout_w_assem_fail" in data]
    assert len(texts) == 1, texts


async def test_a_lost_nudge_is_caught_up_by_the_poll(pair, monkeypatch):
    here, there = pair
    browser, events = await open_chat(here)
    await handed_over(browser, events)

    async def silent(self: SqlLive) -> None:  # NOTIFY lost on the way
        return None

    monkeypatch.setattr(SqlLive, "nudge", silent)
    before, started = len(events.seen), time.perf_counter()
    web = there.served.mount("web")
    assert web is not None
    await web.channel.send(chat_address(chat_of(browser)), [OutboundReply(text="Myöhässä")])
    await events.text("Myöhässä", after=before)
    assert time.perf_counter() - started < POLL_SECONDS + SECONDS


async def test_the_desk_refreshes_when_a_case_changes_through_the_other_process(pair):
    here, there = pair
    customer, events = await open_chat(there)
    case_id = await handed_over(customer, events)
    desk = here.browser()
    await desk.sign_in(AGENT[0])
    desk_events = await desk.listen("/desk/events")
    before, started = len(desk_events.seen), time.perf_counter()
    await there.app.desk.take(AGENT[0], case_id)
    await desk_events.wait_for(lambda name, _: name == "changed", after=before)
    assert time.perf_counter() - started < SECONDS
