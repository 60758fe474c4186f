"""What arrives at ``/api/messages`` once it is verified: stored, then answered.

Customers' messages and clicks become the core's messages; in the agents'
channel, thread replies, bot commands, the take button and the dialogs become
agents' actions of their own kinds (:mod:`bot.channels.teams.desk_actions`).
Everything is in the inbox before the HTTP answer goes; the answer to a card
click (an invoke) redraws the card with the choice and no buttons.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from microsoft_agents.activity import Activity

from bot.channels.base import Host
from bot.channels.teams.activities import (
    CardAction,
    card_action_of,
    channel_of,
    click_message_of,
    customer_conversation,
    is_personal,
    mentions_bot,
    message_of,
    plain,
    tenant_of,
    thread_conversation,
    thread_of,
)
from bot.channels.teams.cards import answered, attachment, invoke_card, invoke_message
from bot.channels.teams.channel import TeamsChannel
from bot.channels.teams.desk import CARD_VERBS, DIALOG_VERBS, TAKE_VERB, TeamsDesk
from bot.channels.teams.desk_actions import (
    KIND_CARD,
    KIND_COMMAND,
    KIND_DIALOG,
    KIND_POST,
    DeskActions,
    stored,
)
from bot.core.contract import InboundMessage

log = logging.getLogger(__name__)

Answer = dict[str, Any] | None


class Inbound:
    """Routes a verified activity: ignored, stored as a customer's message, or stored as
    an agent's action; returns the invoke answer, if the activity wants one."""

    def __init__(self, channel: TeamsChannel, host: Host, *, allowed: frozenset[str]) -> None:
        self._channel = channel
        self._host = host
        self._allowed = allowed
        self._agent_channel = host.settings.teams_agent_channel
        self.desk: TeamsDesk | None = None
        if self._agent_channel and host.marks is not None:
            self.desk = TeamsDesk(channel, host.marks, texts=host.texts,
                                  lang=host.settings.agent_language, clock=host.clock)  # fmt: skip
            channel.desk_view = self.desk
            DeskActions(self.desk, channel, host.desk, host.deliver).register(host.handle_kind)

    async def handle(self, activity: Activity) -> Answer:
        tenant = (tenant_of(activity) or "").lower()
        who = activity.from_property
        # In a shared channel the conversation is the host's; the sender's own tenant, when
        # the activity names it, must be allowed too.
        home = str(who.tenant_id or tenant).lower() if who is not None else tenant
        if tenant not in self._allowed or home not in self._allowed:
            log.info("teams activity from another tenant ignored")
            return None
        if who is None or not who.id or (activity.recipient and who.id == activity.recipient.id):
            return None
        if self._agent_channel and channel_of(activity) == self._agent_channel:
            return await self._agents(activity)
        return await self._customer(activity, tenant)

    async def _store(self, message: InboundMessage) -> None:
        await self._host.receive(message)

    def _seen(self, activity: Activity) -> None:
        conversation = str(activity.conversation.id if activity.conversation else "")
        lookup = conversation if is_personal(activity) else conversation.split(";", 1)[0]
        who = activity.from_property
        self._channel.seen(str(who.id if who else ""), str(activity.service_url), lookup)

    async def _customer(self, activity: Activity, tenant: str) -> Answer:
        action = card_action_of(activity)
        if action is not None:
            conversation = str(activity.conversation.id if activity.conversation else "")
            message = click_message_of(activity, action, conversation, tenant=tenant)
            if message is None:
                return None
            self._seen(activity)
            await self._store(message)
            if activity.type == "invoke":
                return invoke_card(answered(action.data))
            # Action.Submit: no invoke to answer, so the card is redrawn with an update.
            self._host.spawn(self._redraw(activity, action.data), "teams-choice")
            return None
        if activity.type != "message":
            return None  # conversation updates, reactions, installs: nothing to answer
        conversation = customer_conversation(activity)
        if conversation is None or not plain(activity):
            return None
        self._seen(activity)
        await self._store(message_of(activity, conversation, tenant=tenant))
        return None

    async def _redraw(self, activity: Activity, data: Mapping[str, Any]) -> None:
        if not activity.reply_to_id or not activity.conversation:
            return
        update = Activity(type="message", attachments=[attachment(answered(data))])
        try:
            await self._channel.connector.update(
                str(activity.service_url), str(activity.conversation.id),
                str(activity.reply_to_id), update,
            )  # fmt: skip
        except Exception as exc:  # the click counts; only its echo on the card is missing
            log.warning("teams card redraw failed error=%s", type(exc).__name__)

    async def _agents(self, activity: Activity) -> Answer:
        if self.desk is None:
            return None
        self._seen(activity)
        user = str(activity.from_property.id if activity.from_property else "")
        base, root = thread_of(activity)
        where = {"serviceUrl": str(activity.service_url), "conversation": base}
        in_thread = {**where, "conversation": thread_conversation(base, root)}
        if activity.type == "invoke":
            return await self._agent_invoke(activity, user, where, in_thread)
        if activity.type != "message":
            return None
        action = card_action_of(activity)
        if action is not None and action.verb in CARD_VERBS:  # Action.Submit fallback
            await self._card_click(activity, action, user, in_thread)
            return None
        text = plain(activity)
        if not text:
            return None
        kind = KIND_COMMAND if mentions_bot(activity) else KIND_POST
        if kind == KIND_POST and root == activity.id:
            return None  # a new top-level post without the bot: not a case thread
        await self._store(stored(kind, user=user, message_id=f"{base}:{activity.id}",
                                 where=in_thread, text=text, thread=root))  # fmt: skip
        return None

    async def _card_click(
        self, activity: Activity, action: CardAction, user: str, in_thread: dict[str, str]
    ) -> str:
        """A case card's button (take, urgency, hand back, transfer), stored; its case."""
        case = str(action.data.get("case") or "")
        value = action.data.get("urgency") or action.data.get("to") or ""
        await self._store(stored(KIND_CARD, user=user, message_id=f"card:{activity.id}",
                                 where=in_thread, case=case, verb=str(action.verb),
                                 text=str(value)))  # fmt: skip
        return case

    async def _agent_invoke(
        self, activity: Activity, user: str, where: dict[str, str], in_thread: dict[str, str]
    ) -> Answer:
        assert self.desk is not None
        value = activity.value if isinstance(activity.value, Mapping) else {}
        if activity.name == "adaptiveCard/action":
            action = card_action_of(activity)
            if action is None or action.verb not in CARD_VERBS:
                return invoke_message("")
            case = await self._card_click(activity, action, user, in_thread)
            key = "teams.taking" if action.verb == TAKE_VERB else "teams.saved"
            return invoke_message(self.desk.text(key, case=case))
        data = value.get("data") if isinstance(value.get("data"), Mapping) else {}
        verb, case = str(data.get("verb") or ""), str(data.get("case") or "")
        if verb not in DIALOG_VERBS or not case.isdigit():
            return None
        if activity.name == "task/fetch":
            return self.desk.dialog(verb, int(case))  # a form changes nothing: not stored
        if activity.name == "task/submit":
            text = str(data.get("text") or "")
            await self._store(stored(KIND_DIALOG, user=user, message_id=f"dialog:{activity.id}",
                                     where=in_thread, text=text, case=case, verb=verb))  # fmt: skip
            return {"task": {"type": "message", "value": self.desk.text("teams.saved")}}
        return None
