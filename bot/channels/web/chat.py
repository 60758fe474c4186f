"""Customers' web chat at ``/``: the page, sending a message or a click, and the stream
of replies. Each message is stored in the inbox before the browser hears it arrived."""

from __future__ import annotations

import uuid

from aiohttp import web

from bot.channels.base import Host
from bot.channels.web.backoffice import Backoffice
from bot.channels.web.channel import NAME, WebChannel, chat_address
from bot.channels.web.live import Live
from bot.channels.web.pages import Pages
from bot.channels.web.security import CHAT_COOKIE, ChatCookie, check_token
from bot.core.contract import InboundMessage, Sender

MAX_TEXT = 4000
CHAT_DAYS = 30


class ChatPages:
    def __init__(
        self, host: Host, channel: WebChannel, pages: Pages, cookie: ChatCookie,
        backoffice: Backoffice, live: Live,
    ) -> None:  # fmt: skip
        self._host = host
        self._live = live
        self._channel = channel
        self._pages = pages
        self._cookie = cookie
        self._backoffice = backoffice

    def routes(self, web_app: web.Application) -> None:
        web_app.router.add_get("/", self.page)
        web_app.router.add_post("/chat/send", self.send)
        web_app.router.add_get("/chat/events", self.events)

    def _chat(self, request: web.Request) -> str | None:
        return self._cookie.chat_of(request.cookies.get(CHAT_COOKIE))

    async def page(self, request: web.Request) -> web.Response:
        chat_id = self._chat(request)
        new = chat_id is None
        chat_id = chat_id or ChatCookie.new_id()
        history = [] if new else await self._backoffice.chat_transcript(chat_id)
        shown = 0 if new else await self._live.last_shown(chat_id)
        lang = self._pages.lang(request)
        context = {"title": self._pages.t(lang)("web.chat_title"), "page": "chat-page",
                   "history": history, "lang": lang, "after": shown}  # fmt: skip
        response = self._pages.render(request, "chat.html", context,
                                      csrf=self._cookie.token(chat_id))  # fmt: skip
        if new:
            response.set_cookie(
                CHAT_COOKIE, self._cookie.value(chat_id), max_age=CHAT_DAYS * 86400,
                httponly=True, samesite="Lax", secure=self._pages.secure, path="/",
            )  # fmt: skip
        return response

    async def send(self, request: web.Request) -> web.Response:
        chat_id = self._chat(request)
        if chat_id is None or not await check_token(request, self._cookie.token(chat_id)):
            raise web.HTTPForbidden(text="reload the page")
        form = await request.post()
        text = str(form.get("text") or "").strip()[:MAX_TEXT]
        action = str(form.get("action") or "").strip()[:200] or None
        label = str(form.get("label") or "").strip()[:200]
        if not text and not action:
            raise web.HTTPBadRequest(text="empty message")
        message = InboundMessage(
            channel=NAME, conversation_id=chat_id, message_id=uuid.uuid4().hex,
            # No email here: the hand-over asks for it after consent (handlers/handover.py).
            sender=Sender(id=chat_id),
            address=chat_address(chat_id), text=label if action else text, action=action,
            private=True,
        )  # fmt: skip
        # Stored first: once the browser hears "sent", the message cannot be lost.
        await self._host.receive(message)
        lang = self._pages.lang(request)
        return self._pages.render(request, "chat_said.html", {
            "text": message.text, "who": self._pages.t(lang)("web.who_customer")})  # fmt: skip

    async def events(self, request: web.Request) -> web.StreamResponse:
        chat_id = self._chat(request)
        if chat_id is None:
            raise web.HTTPForbidden()
        self._channel.langs[chat_id] = self._pages.lang(request)
        # A reconnecting page says which reply it had last; it gets the ones after.
        # The page says which reply it shows last (a reconnecting one, by the event id it
        # had; a fresh one, as of its rendering): it gets the ones after.
        last = request.headers.get("Last-Event-ID") or request.query.get("after", "")
        await self._live.open_chat(chat_id, int(last) if last.isdigit() else None)
        try:
            return await self._channel.hub.stream(request, f"chat:{chat_id}")
        finally:
            if not self._channel.hub.listeners(f"chat:{chat_id}"):
                self._channel.langs.pop(chat_id, None)
                self._live.close_chat(chat_id)
