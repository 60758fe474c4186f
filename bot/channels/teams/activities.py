"""Teams activities as the core's messages: pure functions over the SDK's ``Activity``.

A personal (1:1) chat is one conversation; in a team channel (shared channels
included) each thread is its own, and the bot answers in the thread. The reply
address is a conversation reference: the service URL, the conversation id (with
``;messageid=`` naming the thread), the tenant and the bot's id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from microsoft_agents.activity import Activity

from bot.core.contract import InboundMessage, ReplyAddress, Sender

NAME = "teams"
# The key an Adaptive Card action's data carries the core's button value under.
VALUE_KEY = "tuki"
_THREAD = ";messageid="
_TAGS = re.compile(r"<[^>]+>")


def tenant_of(activity: Activity) -> str | None:
    """The tenant the activity comes from (conversation, else channelData)."""
    if activity.conversation and activity.conversation.tenant_id:
        return str(activity.conversation.tenant_id)
    data = activity.channel_data if isinstance(activity.channel_data, Mapping) else {}
    tenant = (data.get("tenant") or {}).get("id") if isinstance(data, Mapping) else None
    return str(tenant) if tenant else None


def channel_of(activity: Activity) -> str | None:
    """The team channel's id (``19:…@thread.tacv2``), or None outside channels."""
    data = activity.channel_data if isinstance(activity.channel_data, Mapping) else {}
    channel = (data.get("channel") or {}).get("id")
    if isinstance(channel, str) and channel:
        return channel
    conversation = activity.conversation
    if conversation and conversation.conversation_type == "channel":
        return str(conversation.id).split(_THREAD, 1)[0]
    return None


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    return bool(conversation and conversation.conversation_type == "personal")


def thread_of(activity: Activity) -> tuple[str, str]:
    """A channel message's (channel, thread root id): a root post starts its own thread."""
    conversation = str(activity.conversation.id if activity.conversation else "")
    channel, _, root = conversation.partition(_THREAD)
    return channel, root or str(activity.reply_to_id or activity.id or "")


def thread_conversation(channel: str, root: str) -> str:
    return f"{channel}{_THREAD}{root}"


def mentions_bot(activity: Activity) -> bool:
    bot = activity.recipient.id if activity.recipient else None
    return any(m.mentioned and m.mentioned.id == bot for m in activity.get_mentions())


def plain(activity: Activity) -> str:
    """The message's text without the bot's mention and without markup."""
    text = activity.remove_recipient_mention() if activity.recipient else (activity.text or "")
    text = _TAGS.sub("", text.replace("<br>", "\n").replace("&nbsp;", " "))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def address_of(activity: Activity, conversation: str) -> ReplyAddress:
    """The conversation reference replies go to, long after this request."""
    return ReplyAddress.of(NAME, {
        "serviceUrl": str(activity.service_url or ""), "conversation": conversation,
        "tenant": tenant_of(activity) or "",
        "bot": str(activity.recipient.id if activity.recipient else ""),
    })  # fmt: skip


def sender_of(activity: Activity) -> Sender:
    """Who wrote, as far as the activity says (the email comes from the member lookup)."""
    who = activity.from_property
    return Sender(id=str(who.id if who else ""), name=(who.name if who else None) or None)


def customer_conversation(activity: Activity) -> str | None:
    """Where a customer's message is answered: the personal chat, or the channel thread.
    None for what the bot does not answer (a channel post that does not mention it)."""
    if is_personal(activity) or (
        activity.conversation and activity.conversation.conversation_type == "groupChat"
        and mentions_bot(activity)
    ):
        return str(activity.conversation.id if activity.conversation else "")
    if channel_of(activity) and mentions_bot(activity):
        return thread_conversation(*thread_of(activity))
    return None


def message_of(activity: Activity, conversation: str, *, tenant: str) -> InboundMessage:
    """A customer's message: the activity id names it across Teams' retries."""
    return InboundMessage(
        channel=NAME, conversation_id=f"{tenant}:{conversation}",
        message_id=f"{conversation}:{activity.id}", sender=sender_of(activity),
        address=address_of(activity, conversation), text=plain(activity),
        private=is_personal(activity),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class CardAction:
    """A click on a card's button: Action.Execute (an invoke) or Action.Submit (a message)."""

    data: Mapping[str, Any]
    card_id: str  # the clicked card's activity id
    verb: str | None


def card_action_of(activity: Activity) -> CardAction | None:
    """The click in an ``adaptiveCard/action`` invoke or a submit message; None otherwise."""
    value = activity.value if isinstance(activity.value, Mapping) else None
    if value is None:
        return None
    if activity.type == "invoke" and activity.name == "adaptiveCard/action":
        action = value.get("action") or {}
        data = action.get("data") if isinstance(action, Mapping) else None
        verb = action.get("verb") if isinstance(action, Mapping) else None
    elif activity.type == "message":
        data, verb = value, None
    else:
        return None
    if not isinstance(data, Mapping):
        return None
    card = str(activity.reply_to_id or "")
    return CardAction(data=data, card_id=card, verb=str(verb) if verb else data.get("verb"))


def click_message_of(
    activity: Activity, action: CardAction, conversation: str, *, tenant: str
) -> InboundMessage | None:
    """A customer's click as the core's message: one click per card counts."""
    value = action.data.get(VALUE_KEY)
    if not isinstance(value, str) or not value:
        return None
    label = str(action.data.get("label") or value)
    return InboundMessage(
        channel=NAME, conversation_id=f"{tenant}:{conversation}",
        message_id=f"click:{conversation}:{action.card_id or activity.id}",
        sender=sender_of(activity), address=address_of(activity, conversation),
        text=label, action=value, private=is_personal(activity),
    )  # fmt: skip
