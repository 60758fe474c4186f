"""The Teams channel for the core: replies delivered proactively, senders identified.

Replies go out through the outbox long after the request that caused them, to
the conversation reference stored as the reply address: a personal chat, or
the thread of a channel message. Who a sender is (email or user principal
name, for entitlement) comes from the connector's member lookup, cached for a
while; a failed lookup leaves the sender as the activity named them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from microsoft_agents.activity import Activity, ChannelAccount
from microsoft_agents.activity.channel_id import ChannelId

from bot.channels.teams.activities import NAME
from bot.channels.teams.cards import activities, split
from bot.channels.teams.connector import Connector, TooLarge
from bot.core.cases import DeskEvent
from bot.core.contract import DeliveryError, InboundMessage, OutboundReply, ReplyAddress, Sender

log = logging.getLogger(__name__)

CHANNEL_ID = "msteams"


@dataclass(frozen=True, slots=True)
class Target:
    """A stored conversation reference, read back."""

    service_url: str
    conversation: str

    @classmethod
    def of(cls, address: ReplyAddress) -> Target:
        try:
            data = address.data()
        except ValueError as exc:
            raise DeliveryError("teams: unreadable address", permanent=True) from exc
        service, conversation = data.get("serviceUrl"), data.get("conversation")
        if not isinstance(service, str) or not isinstance(conversation, str) or not conversation:
            raise DeliveryError("teams: address without a conversation", permanent=True)
        return cls(service_url=service, conversation=conversation)


class TeamsChannel:
    """Teams for the core; with an agents' channel it is an agent surface too (``show``)."""

    name = NAME

    def __init__(self, connector: Connector, *, identity_ttl: float = 600.0) -> None:
        self.connector = connector
        self.desk_view: DeskView | None = None
        self._ttl = identity_ttl
        self._known: dict[str, tuple[float, Sender]] = {}
        self._where: dict[str, tuple[str, str]] = {}

    def seen(self, user: str, service_url: str, conversation: str) -> None:
        """Where a user was last seen: the member lookup asks that conversation."""
        if user and service_url and conversation:
            self._where[user] = (service_url, conversation)

    async def sender(self, sender: Sender, *, fresh: bool = False) -> Sender:
        """The sender with email and name from the member lookup (cached ``identity_ttl``)."""
        cached = self._known.get(sender.id)
        if cached and not fresh and time.monotonic() < cached[0]:
            return cached[1]
        where = self._where.get(sender.id)
        if where is None:
            return sender
        try:
            member = await self.connector.member(*where, sender.id)
        except DeliveryError:
            return cached[1] if cached else sender
        email = member.email or member.user_principal_name
        found = Sender(id=sender.id, name=member.name or sender.name, email=email)
        self._known[sender.id] = (time.monotonic() + self._ttl, found)
        return found

    async def identify_in(self, message: InboundMessage) -> Sender:
        """The inbox worker's lookup before a turn (see ``IdentifiesInConversation``): the
        member is looked up in the conversation the message came from, in any process."""
        self.seen_at(message.sender.id, message.address)
        return await self.sender(message.sender)

    def seen_at(self, user: str, address: ReplyAddress) -> None:
        """Where to look a user up, from a stored reply address (a chat or a thread)."""
        try:
            where = address.data()
        except ValueError:
            return
        service, conversation = where.get("serviceUrl"), where.get("conversation")
        if isinstance(service, str) and isinstance(conversation, str):
            self.seen(user, service, conversation.split(";", 1)[0])

    async def send(self, address: ReplyAddress, replies: Sequence[OutboundReply]) -> None:
        """Post each reply (text, then its card) to the stored conversation. A reply for one
        person in a shared conversation (a bystander's note, an agent's confirmation) is a
        targeted message there: only that person sees it."""
        target = Target.of(address)
        shared = not target.conversation.startswith("a:")  # personal chats start "a:"
        for reply in replies:
            for activity in activities(reply):
                if reply.only_for and shared:
                    activity.channel_id = ChannelId(CHANNEL_ID)
                    activity.make_targeted_activity(ChannelAccount(id=reply.only_for))
                await self.post(target, activity)

    async def post(self, target: Target, activity: Activity) -> str:
        """Post one activity; a 413 splits its text in two and sends both halves."""
        try:
            return await self.connector.send(target.service_url, target.conversation, activity)
        except TooLarge:
            text = activity.text or ""
            if activity.attachments or len(text) < 2:
                raise
            half = len(text.encode()) // 2
            ids = []
            for piece in split(text, half):
                part = Activity(type="message", text=piece, text_format="markdown")
                ids.append(await self.post(target, part))
            return ids[0]

    async def show(self, address: ReplyAddress, event: DeskEvent) -> None:
        """Draw a desk event in the agents' channel (the outbox calls this)."""
        if self.desk_view is None:
            raise DeliveryError("teams: no agents' channel configured", permanent=True)
        await self.desk_view.show(address, event)


class DeskView:
    """What the channel needs of the agents' side (set by the mount; see desk.py)."""

    async def show(self, address: ReplyAddress, event: DeskEvent) -> None:
        raise NotImplementedError
