"""The real server with the web console, and browsers-without-a-browser: aiohttp client
sessions (each its own cookies) that read pages, post forms like htmx does and listen
to the server-sent events. Waits are on events, never on sleeps."""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from bot.app import App
from bot.app.console import Console
from bot.app.serving import start_app, web_application
from bot.core.settings import DEMO_AGENTS, Settings
from bot.http import SERVED, Served
from bot.service.accounts import hash_password
from storage.web import SqlWebStore, StaffRecord
from tests.harness import Clock

WAIT = 60.0
PASSWORD = "correct horse battery"
AGENT = ("maija.virtanen@econocap.example", "Maija Virtanen")
OTHER_AGENT = ("pekka.korhonen@econocap.example", "Pekka Korhonen")
EDITOR = ("eeva.editori@econocap.example", "Eeva Editori")
CUSTOMER = "olli.operaattori@konepaja.example"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_ACTIONS = re.compile(r'name="action" value="([^"]+)">\s*<input type="hidden" name="label" '
                      r'value="([^"]+)"')  # fmt: skip


def web_settings(database_url: str, **extra: Any) -> Settings:
    return Settings(database_url=database_url, demo=True, agents=DEMO_AGENTS, **extra)


@dataclass
class Events:
    """What one SSE stream has said so far."""

    seen: list[tuple[str, str]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    ended: bool = False

    async def wait_for(self, check: Callable[[str, str], bool], *, after: int = 0) -> str:
        async with asyncio.timeout(WAIT):
            while True:
                for name, data in self.seen[after:]:
                    if check(name, data):
                        return data
                if self.ended:
                    raise AssertionError("the stream ended")
                self.arrived.clear()
                await self.arrived.wait()

    async def closed(self) -> None:
        async with asyncio.timeout(WAIT):
            while not self.ended:
                self.arrived.clear()
                await self.arrived.wait()

    async def text(self, needle: str, *, after: int = 0) -> str:
        return await self.wait_for(lambda _, data: needle in html.unescape(data), after=after)


class Browser:
    """One person's browser: cookies, the page's anti-forgery token, open streams."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""
        self._streams: list[asyncio.Task[None]] = []

    async def get(self, path: str) -> tuple[int, str]:
        async with self.session.get(path) as response:
            body = await response.text()
            if found := _CSRF.search(body):
                self.csrf = found.group(1)
            return response.status, body

    async def post(self, path: str, data: dict[str, str], *, origin: str | None = None,
                   token: str | None = None, htmx: bool = True) -> tuple[int, str]:  # fmt: skip
        headers = {"Origin": self.base if origin is None else origin}
        if htmx:
            headers |= {"HX-Request": "true", "X-CSRF-Token": self.csrf if token is None else token}
        else:
            data = {"csrf": self.csrf if token is None else token, **data}
        async with self.session.post(path, data=data, headers=headers,
                                     allow_redirects=False) as response:  # fmt: skip
            return response.status, await response.text()

    async def listen(self, path: str) -> Events:
        events = Events()
        opened = asyncio.Event()

        async def read() -> None:
            try:
                async with self.session.get(path, timeout=aiohttp.ClientTimeout(total=None)) as r:
                    assert r.status == 200, r.status
                    opened.set()
                    name, data = "message", []
                    async for raw in r.content:
                        line = raw.decode().rstrip("\r\n")
                        if line.startswith("event:"):
                            name = line[6:].strip()
                        elif line.startswith("data:"):
                            data.append(line[5:].removeprefix(" "))
                        elif not line and (data or name != "message"):
                            events.seen.append((name, "\n".join(data)))
                            events.arrived.set()
                            name, data = "message", []
            finally:
                events.ended = True
                events.arrived.set()
                opened.set()

        self._streams.append(asyncio.create_task(read()))
        async with asyncio.timeout(WAIT):
            await opened.wait()
        return events

    async def sign_in(self, email: str, password: str = PASSWORD) -> tuple[int, str]:
        """Sign in as a browser does, landing on the page the role opens (a new session
        has a new anti-forgery token)."""
        await self.get("/signin")
        data = {"csrf": self.csrf, "email": email, "password": password}
        async with self.session.post("/signin", data=data, headers={"Origin": self.base},
                                     allow_redirects=False) as response:  # fmt: skip
            status, body = response.status, await response.text()
            landing = response.headers.get("Location")
        if status == 303 and landing:
            await self.get(landing)
        return status, body

    async def close(self) -> None:
        for task in self._streams:
            task.cancel()
        await asyncio.gather(*self._streams, return_exceptions=True)
        await self.session.close()


def buttons(page: str) -> dict[str, str]:
    """The chat's clickable choices in an HTML fragment: label → value."""
    return {html.unescape(label): html.unescape(value) for value, label in _ACTIONS.findall(page)}


@dataclass
class Console_:
    app: App
    served: Served
    base: str
    browsers: list[Browser] = field(default_factory=list)

    def browser(self) -> Browser:
        browser = Browser(self.base)
        self.browsers.append(browser)
        return browser


async def add_staff(app: App, email: str, name: str, role: str) -> None:
    record = StaffRecord(email=email, name=name, role=role,
                         password_hash=await hash_password(PASSWORD))  # fmt: skip
    await SqlWebStore(app.database).add_staff(record, at=app.clock())


@asynccontextmanager
async def running_console(settings: Settings, clock: Clock) -> AsyncIterator[Console_]:
    app = await start_app(settings, clock=clock)
    for email, name in (AGENT, OTHER_AGENT):
        await add_staff(app, email, name, "agent")
    await add_staff(app, *EDITOR, "editor")
    web_app = web_application(app)
    browsers: list[Browser] = []
    try:
        async with TestServer(web_app, host="127.0.0.1") as server:
            console = Console_(app=app, served=web_app[SERVED], browsers=browsers,
                               base=str(server.make_url("")).rstrip("/"))  # fmt: skip
            yield console
    finally:
        # Closed after the server: its shutdown must end the streams by itself.
        for browser in browsers:
            with contextlib.suppress(Exception):
                await browser.close()
        await app.close()


__all__ = ["Console", "add_staff"]
