"""What every channel package gets from the server it mounts on, and what it gives back.

A channel package (``local/``, ``slack/``, later ``teams/`` and ``web/``) turns
its platform's requests into :class:`~bot.core.contract.InboundMessage` and hands
them to :attr:`Host.receive`; the server delivers replies through the channel's
:class:`~bot.core.contract.Channel`. Channels never import each other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from aiohttp import web

from bot.core.cases import Delivery
from bot.core.contract import Channel, InboundMessage
from bot.core.ports import ChannelMarks
from bot.core.settings import Settings
from bot.core.texts import Catalogue
from bot.desk.commands import Desk

Spawn = Callable[[Coroutine[Any, Any, None], str], None]
# A channel's own kind of stored message → what to do with it (message, inbox row id).
KindHandler = Callable[[InboundMessage, int], Awaitable[None]]
Receive = Callable[[InboundMessage], Awaitable[None]]
# (channel name, the platform's message id) → False if handled before (a retry).
Claim = Callable[[str, str], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class Host:
    """The server's side of a mount: where messages go and what agents' commands use."""

    settings: Settings
    texts: Catalogue
    clock: Callable[[], datetime]
    desk: Desk
    receive: Receive
    claim: Claim
    spawn: Spawn
    # Register what the inbox workers do with a kind this channel stores (agents' actions).
    handle_kind: Callable[[str, KindHandler], None]
    # Store messages in the outbox outside a turn (an agent told why an action failed).
    deliver: Callable[[Sequence[Delivery]], Awaitable[None]]
    # A channel's own ids in the bot's database (Teams' case cards and their threads).
    marks: ChannelMarks | None = None


class Mount(Protocol):
    """A channel ready to join the server: its routes, its lifecycle, its delivery."""

    name: str

    @property
    def channel(self) -> Channel:
        """Delivers replies (and desk events, if it is an agent surface) for the outbox."""

    def status(self) -> str:
        """One word for /healthz: how the channel is connected ("http", "socket")."""

    def mount(self, web_app: web.Application, host: Host) -> None:
        """Add routes and startup/shutdown hooks to the server's application."""
