"""The web console joining the server (see :class:`bot.channels.base.Mount`): the chat,
the desk, the workbench, sign-in, static files, and its streams closed on shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from bot.channels.base import Host
from bot.channels.web.backoffice import Backoffice
from bot.channels.web.channel import WebChannel
from bot.channels.web.chat import ChatPages
from bot.channels.web.desk import DeskPages
from bot.channels.web.editor import EditorPages
from bot.channels.web.hub import DESK, Hub
from bot.channels.web.live import Live, LiveSource
from bot.channels.web.pages import Pages, environment
from bot.channels.web.security import (
    ChatCookie,
    Throttle,
    console_middleware,
    setup_sessions,
)
from bot.channels.web.signin import SignIn

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PREFIXES = ("/chat", "/desk", "/editor", "/signin", "/signout", "/static/web")


class WebMount:
    """The console: constructed by the composition root with its secret and back office."""

    name = "web"

    def __init__(self, backoffice: Backoffice, secret: bytes, live: LiveSource, *,
                 secure: bool = False, session_hours: float = 12.0) -> None:  # fmt: skip
        self.backoffice = backoffice
        self._source = live
        self.live: Live | None = None
        self.hub = Hub()
        self.throttle = Throttle()
        self._secret = secret
        self._secure = secure
        self._session_hours = session_hours
        self._channel: WebChannel | None = None
        self.desk: DeskPages | None = None
        self._pending = False

    @property
    def channel(self) -> WebChannel:
        assert self._channel is not None, "mount() first"
        return self._channel

    def status(self) -> str:
        return "http"

    def changed(self) -> None:
        """Something changed (a turn, a desk command): open chats get their replies, other
        processes hear of it, and open desks refresh, at most a few times a second however
        busy the bot is."""
        if self.live is not None:
            self.live.committed()
        if self._pending:
            return
        self._pending = True

        def publish() -> None:
            self._pending = False
            self.hub.publish(DESK, "changed")

        try:
            asyncio.get_running_loop().call_later(0.3, publish)
        except RuntimeError:  # no loop (a command outside the server): nobody to tell
            self._pending = False

    def mount(self, web_app: web.Application, host: Host) -> None:
        templates = environment(web_app, str(HERE / "templates"))
        pages = Pages(host.texts, host.settings.default_language, secure=self._secure)
        self._channel = WebChannel(self.hub, templates, host.texts, self._source.record)
        self.live = live = Live(self._source, self._channel)
        self._channel.recorded = live.committed
        setup_sessions(web_app, self._secret, secure=self._secure, hours=self._session_hours)
        web_app.middlewares.append(console_middleware(PREFIXES))
        cookie = ChatCookie(self._secret)
        ChatPages(host, self._channel, pages, cookie, self.backoffice, self.live).routes(web_app)
        SignIn(pages, self.backoffice, self.throttle).routes(web_app)
        self.desk = DeskPages(host, self.hub, pages, self.backoffice)
        self.desk.routes(web_app)
        EditorPages(pages, self.backoffice).routes(web_app)
        web_app.router.add_static("/static/web", HERE / "static", append_version=False)

        async def close_streams(_: web.Application) -> None:
            self.hub.close()

        async def follow(_: web.Application) -> AsyncIterator[None]:
            stop = asyncio.Event()
            tasks = [
                asyncio.create_task(self.backoffice.follow_publications(stop), name="kb-follow"),
                asyncio.create_task(live.run(stop), name="live-pages"),
            ]
            yield
            stop.set()
            await asyncio.gather(*tasks)

        web_app.on_shutdown.append(close_streams)
        web_app.cleanup_ctx.append(follow)
        log.info("web console on: /, /desk, /editor")
