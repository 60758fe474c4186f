"""Staff added while the server runs: ``supportbot users add --link`` (a real process on
the server's database) prints a one-time sign-in link that sets the password once,
never twice and not after it expires; the new agent works the desk without a restart."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.service.accounts import token_digest
from tests.harness import Clock, rows_mentioning
from tests.test_web_chat import handed_over, open_chat
from tests.web_harness import AGENT, PASSWORD, Browser, Console_, running_console, web_settings

BIN = str(Path(sys.executable).with_name("supportbot"))
LIISA = "liisa.lahti@econocap.example"
NEW_PASSWORD = "uusi pitkä salasana"
LINK = re.compile(r"sign-in link \(works once, for [\d.]+ hours\): (\S+)")


@pytest.fixture
async def console(database_url: str, clock: Clock) -> AsyncIterator[Console_]:
    async with running_console(web_settings(database_url), clock) as console:
        yield console


async def users(console: Console_, *args: str, password: str = "") -> tuple[int, str]:
    """``supportbot users`` as an administrator runs it, next to the running server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SUPPORTBOT_"))}
    env |= {"DATABASE_URL": console.app.settings.database_url,
            "SUPPORTBOT_PUBLIC_URL": console.base}  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        BIN, "users", *args, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate((password + "\n").encode()), 120)
    return process.returncode or 0, out.decode()


async def link_for(console: Console_, *extra: str) -> str:
    code, out = await users(console, "add", LIISA, "--role", "agent", "--name", "Liisa Lahti",
                            "--link", *extra)  # fmt: skip
    assert code == 0, out
    found = LINK.search(out)
    assert found, out
    assert found.group(1).startswith(f"{console.base}/signin/link/")
    return found.group(1).removeprefix(console.base)


async def set_password(browser: Browser, path: str, password: str = NEW_PASSWORD,
                       again: str | None = None) -> tuple[int, str]:  # fmt: skip
    status, page = await browser.get(path)
    if status != 200:
        return status, page
    return await browser.post(path, {"password": password, "again": again or password},
                              htmx=False)  # fmt: skip


async def test_a_link_sets_the_password_once_and_the_new_agent_works_the_desk(console):
    path = await link_for(console)
    token = path.rsplit("/", 1)[1]
    assert await rows_mentioning(console.app, token) == [], "only a digest is stored"
    assert await rows_mentioning(console.app, token_digest(token))
    liisa = console.browser()
    status, _ = await liisa.sign_in(LIISA, "mikä tahansa salasana")
    assert status == 401, "no password works before the link is used"

    status, page = await liisa.get(path)
    assert status == 200 and "Liisa Lahti" in page and 'autocomplete="new-password"' in page
    assert (await liisa.post(path, {"password": "lyhyt", "again": "lyhyt"}, htmx=False))[0] == 400
    mismatch = {"password": NEW_PASSWORD, "again": NEW_PASSWORD + "!"}
    assert (await liisa.post(path, mismatch, htmx=False))[0] == 400
    status, _ = await set_password(liisa, path)
    assert status == 303, "used once: signed in"

    # Added while the server runs, and an agent of the desk at once.
    customer, chat = await open_chat(console)
    case_id = await handed_over(customer, chat)
    status, page = await liisa.get("/desk")
    assert status == 200 and f"#{case_id}" in page
    status, taken = await liisa.post(f"/desk/case/{case_id}/take", {})
    assert status == 200 and "Liisa Lahti" in taken
    await chat.text("Liisa")
    maija = console.browser()
    await maija.sign_in(AGENT[0])
    _, page = await maija.get(f"/desk?case={case_id}")
    assert f'<option value="{LIISA}">Liisa Lahti</option>' in page, "a colleague to transfer to"

    again = console.browser()
    status, page = await set_password(again, path, "toinen pitkä salasana")
    assert status == 410 and "jo käytetty" in page, "a second use is refused"
    await again.get("/signin")  # a valid anti-forgery token: the link itself is refused
    assert (await again.post(path, {"password": "toinen pitkä salasana",
                                     "again": "toinen pitkä salasana"}, htmx=False))[0] == 410
    assert (await console.browser().sign_in(LIISA, "toinen pitkä salasana"))[0] == 401
    assert (await console.browser().sign_in(LIISA, NEW_PASSWORD))[0] == 303

    code, out = await users(console, "remove", LIISA)
    assert code == 0, out
    assert (await liisa.get("/desk"))[0] == 403, "a removed agent's session opens no desk"


async def test_an_expired_link_is_refused(console, clock: Clock):
    path = await link_for(console, "--link-hours", "1")
    clock.now = datetime.now(UTC) + timedelta(hours=1, minutes=1)
    status, page = await set_password(console.browser(), path)
    assert status == 410 and "vanhentunut" in page
    assert (await console.browser().sign_in(LIISA, NEW_PASSWORD))[0] == 401


async def test_a_link_for_an_existing_account_keeps_its_password_until_used(console):
    code, out = await users(console, "add", LIISA, "--role", "agent", password=PASSWORD)
    assert code == 0, out
    path = await link_for(console)
    assert (await console.browser().sign_in(LIISA, PASSWORD))[0] == 303
    status, _ = await set_password(console.browser(), path)
    assert status == 303
    assert (await console.browser().sign_in(LIISA, PASSWORD))[0] == 401, "replaced"


async def test_a_made_up_link_is_refused(console):
    status, page = await set_password(console.browser(), "/signin/link/" + "A" * 43)
    assert status == 410 and "vanhentunut" in page
