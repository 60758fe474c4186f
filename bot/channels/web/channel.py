"""The web channel for the core: replies to a web chat go to its open page as HTML over
server-sent events; desk events tell the open desks to refresh.

A reply whose page is not open in this process is not kept here: a consented
customer's transcript is stored, and the page shows it on its next load.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import jinja2

from bot.channels.web.hub import DESK, Hub
from bot.core.cases import DeskEvent
from bot.core.contract import DeliveryError, OutboundReply, ReplyAddress
from bot.core.texts import Catalogue

log = logging.getLogger(__name__)

NAME = "web"
DESK_ADDRESS = ReplyAddress.of(NAME, {"desk": "all"})


def chat_address(chat_id: str) -> ReplyAddress:
    return ReplyAddress.of(NAME, {"chat": chat_id})


class WebChannel:
    """Delivers to the browsers connected to this process."""

    name = NAME

    def __init__(self, hub: Hub, templates: jinja2.Environment, texts: Catalogue) -> None:
        self.hub = hub
        self._templates = templates
        self._texts = texts
        # The language of each chat page open here (its labels), while it is open.
        self.langs: dict[str, str] = {}

    def render(self, replies: Sequence[OutboundReply], lang: str = "fi") -> str:
        who = self._texts.get(lang, "web.who_bot")
        return self._templates.get_template("chat_replies.html").render(replies=replies, who=who)

    async def send(self, address: ReplyAddress, replies: Sequence[OutboundReply]) -> None:
        try:
            chat = address.data().get("chat")
        except ValueError as exc:
            raise DeliveryError("web: unreadable address", permanent=True) from exc
        if not isinstance(chat, str):
            # Agents' confirmations for the web desk: the desk shows results itself.
            return
        html = self.render(replies, self.langs.get(chat, "fi"))
        shown = self.hub.publish(f"chat:{chat}", "message", html)
        log.info("web replies delivered count=%d pages=%d", len(replies), shown)

    async def show(self, address: ReplyAddress, event: DeskEvent) -> None:
        """A desk event: every open desk in this process refreshes what it shows."""
        self.hub.publish(DESK, "changed", str(event.card.case_id))
