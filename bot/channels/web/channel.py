"""The web channel for the core: replies to a web chat reach its open page as HTML over
server-sent events; desk events tell the open desks to refresh.

Delivering a chat's reply records it for a short while, and whichever process
holds the page's stream pushes it from there (:mod:`bot.channels.web.live`): it
does not matter which process delivers.
A page that is not open gets nothing pushed: a consented customer's transcript is
stored, and the page shows it on its next load.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import jinja2

from bot.channels.web.hub import DESK, Hub
from bot.core.cases import DeskEvent
from bot.core.contract import DeliveryError, OutboundReply, ReplyAddress
from bot.core.texts import Catalogue

log = logging.getLogger(__name__)

NAME = "web"
DESK_ADDRESS = ReplyAddress.of(NAME, {"desk": "all"})
Record = Callable[[ReplyAddress, tuple[OutboundReply, ...]], Awaitable[None]]


def chat_address(chat_id: str) -> ReplyAddress:
    return ReplyAddress.of(NAME, {"chat": chat_id})


class WebChannel:
    """Renders replies for the browsers connected to this process."""

    name = NAME

    def __init__(self, hub: Hub, templates: jinja2.Environment, texts: Catalogue,
                 record: Record) -> None:  # fmt: skip
        self.hub = hub
        self._record = record
        # Told after each record (the live pages here look at once).
        self.recorded: Callable[[], None] = lambda: None
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
        # Recorded is delivered: the process holding the page pushes it from the record.
        await self._record(address, tuple(replies))
        self.recorded()
        log.info("web replies delivered count=%d", len(replies))

    async def show(self, address: ReplyAddress, event: DeskEvent) -> None:
        """A desk event: every open desk in this process refreshes what it shows."""
        self.hub.publish(DESK, "changed", str(event.card.case_id))
