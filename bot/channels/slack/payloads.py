"""Slack payloads as plain, frozen records, and as the core's inbound messages.

Pure functions over the JSON Slack sends (Events API envelopes, block_actions
and view_submission payloads): no SDK, no I/O. Whatever they do not recognise
they return as None, which the caller acknowledges and ignores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.channels.slack.blocks import plain
from bot.core.contract import InboundMessage, ReplyAddress, Sender

NAME = "slack"

# Subtypes that are still a person writing; edits, deletions, joins and the rest are not.
_PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


@dataclass(frozen=True, slots=True)
class SlackPost:
    """A person's message to the bot: a DM, or a mention in a channel."""

    team: str
    channel: str
    user: str
    ts: str
    thread_ts: str | None
    text: str
    is_dm: bool


@dataclass(frozen=True, slots=True)
class SlackClick:
    """A click on one of the bot's buttons, with what is needed to show the choice."""

    team: str
    channel: str
    user: str
    message_ts: str
    thread_ts: str | None
    value: str
    label: str
    blocks: tuple[Mapping[str, Any], ...]
    fallback: str
    response_url: str | None
    ephemeral: bool


def post_of(body: Mapping[str, Any], *, bot_user_id: str | None) -> SlackPost | None:
    """The person's message in an Events API envelope, or None for what the bot ignores.

    Ignored: other bots (and the bot itself), edits, deletions and other
    subtypes, channel messages that do not mention the bot, incomplete events.
    """
    event = body.get("event")
    if not isinstance(event, Mapping) or event.get("subtype") not in _PERSON_SUBTYPES:
        return None
    if event.get("bot_id") or event.get("bot_profile"):
        return None
    kind = event.get("type")
    is_dm = event.get("channel_type") == "im"
    if not (kind == "app_mention" or (kind == "message" and is_dm)):
        return None
    fields = [event.get(key) for key in ("user", "channel", "ts")]
    team = body.get("team_id") or event.get("team")
    if not all(isinstance(value, str) and value for value in (*fields, team)):
        return None
    user, channel, ts = (str(value) for value in fields)
    text = plain(str(event.get("text") or ""), bot_user_id=bot_user_id)
    thread = event.get("thread_ts")
    return SlackPost(
        team=str(team), channel=channel, user=user, ts=ts,
        thread_ts=str(thread) if thread else None, text=text, is_dm=is_dm,
    )  # fmt: skip


def click_of(body: Mapping[str, Any]) -> SlackClick | None:
    """The button click in a block_actions payload, or None if it is not one of ours."""
    actions = body.get("actions") or []
    action = actions[0] if actions and isinstance(actions[0], Mapping) else {}
    container = body.get("container") or {}
    message = body.get("message") or {}
    team = (body.get("team") or {}).get("id")
    user = (body.get("user") or {}).get("id")
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or message.get("ts")
    value = action.get("value")
    if not all(isinstance(v, str) and v for v in (team, user, channel, ts, value)):
        return None
    return SlackClick(
        team=team, channel=channel, user=user, message_ts=ts,
        thread_ts=message.get("thread_ts"), value=value,
        label=str((action.get("text") or {}).get("text") or value),
        blocks=tuple(message.get("blocks") or ()), fallback=str(message.get("text") or ""),
        response_url=body.get("response_url"),
        ephemeral=bool(container.get("is_ephemeral")),
    )  # fmt: skip


def address_of(channel: str, thread_ts: str | None) -> ReplyAddress:
    """Where replies go: the DM itself, or the thread in a channel."""
    data: dict[str, object] = {"channel": channel}
    if thread_ts:
        data["thread_ts"] = thread_ts
    return ReplyAddress.of(NAME, data)


def conversation_of(team: str, channel: str, thread_ts: str | None) -> str:
    """A DM is one conversation; in a channel each thread is its own."""
    return f"{team}:{channel}:{thread_ts}" if thread_ts else f"{team}:{channel}"


def message_of(post: SlackPost, sender: Sender) -> InboundMessage:
    """A post as the core's message; its id is stable across Slack's retries."""
    thread = None if post.is_dm else (post.thread_ts or post.ts)
    # channel:ts names the message itself, so the app_mention and message events
    # of one message, and every retry of either, share one id.
    return _inbound(post.team, post.channel, thread, f"{post.channel}:{post.ts}", sender,
                    text=post.text)  # fmt: skip


def click_message_of(click: SlackClick, sender: Sender) -> InboundMessage:
    """A click as the core's message: one click per bot message counts, however fast."""
    thread = None if click.channel.startswith("D") else click.thread_ts
    message_id = f"click:{click.channel}:{click.message_ts}"
    return _inbound(click.team, click.channel, thread, message_id, sender,
                    text=click.label, action=click.value)  # fmt: skip


def _inbound(
    team: str, channel: str, thread: str | None, message_id: str, sender: Sender, *,
    text: str, action: str | None = None,
) -> InboundMessage:  # fmt: skip
    return InboundMessage(
        channel=NAME,
        conversation_id=conversation_of(team, channel, thread),
        message_id=message_id,
        sender=sender,
        address=address_of(channel, thread),
        text=text,
        action=action,
        private=thread is None and channel.startswith("D"),  # a DM, not a shared channel
    )


@dataclass(frozen=True, slots=True)
class AgentPost:
    """An agent's message in a thread of the agents' channel."""

    channel: str
    user: str
    ts: str
    thread_ts: str
    text: str


def agent_post_of(body: Mapping[str, Any]) -> AgentPost | None:
    """A person's reply in a thread, or None (top-level posts, bots, edits, the bot itself)."""
    event = body.get("event")
    if not isinstance(event, Mapping) or event.get("type") != "message":
        return None
    if event.get("subtype") is not None or event.get("bot_id") or event.get("bot_profile"):
        return None
    values = [event.get(key) for key in ("channel", "user", "ts", "thread_ts")]
    if not all(isinstance(value, str) and value for value in values):
        return None
    channel, user, ts, thread_ts = (str(value) for value in values)
    text = plain(str(event.get("text") or ""))
    if thread_ts == ts or not text:
        return None
    return AgentPost(channel=channel, user=user, ts=ts, thread_ts=thread_ts, text=text)


@dataclass(frozen=True, slots=True)
class CardClick:
    """An agent's click on a button of a case card (take, add a note)."""

    channel: str
    user: str
    card_ts: str
    case_id: int
    trigger_id: str | None


def card_click_of(body: Mapping[str, Any]) -> CardClick | None:
    """The click on a case card's button, whose value is the case number; None otherwise."""
    actions = body.get("actions") or []
    value = str((actions[0] or {}).get("value") or "") if actions else ""
    container = body.get("container") or {}
    user = (body.get("user") or {}).get("id")
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if not (value.isdigit() and all(isinstance(v, str) and v for v in (user, channel, ts))):
        return None
    trigger = body.get("trigger_id")
    return CardClick(
        channel=channel, user=user, card_ts=ts, case_id=int(value),
        trigger_id=trigger if isinstance(trigger, str) and trigger else None,
    )  # fmt: skip


# The note modal's one input, by the ids its submission is read back with.
NOTE_BLOCK = "tuki.note"
NOTE_INPUT = "text"


@dataclass(frozen=True, slots=True)
class NoteSubmission:
    """An agent saving the note modal: the case is the view's private_metadata."""

    user: str
    case_id: int
    text: str


def note_submission_of(body: Mapping[str, Any]) -> NoteSubmission | None:
    """The note in a view_submission payload, or None if it is not a note modal's."""
    view = body.get("view") or {}
    user = (body.get("user") or {}).get("id")
    case = str(view.get("private_metadata") or "")
    values = (view.get("state") or {}).get("values") or {}
    text = ((values.get(NOTE_BLOCK) or {}).get(NOTE_INPUT) or {}).get("value")
    if not (case.isdigit() and isinstance(user, str) and user and isinstance(text, str)):
        return None
    return NoteSubmission(user=user, case_id=int(case), text=text)
