"""The Slack channel: Slack payloads to inbound messages, replies to Block Kit.

A thin adapter (after bolt's own ``adapter/*/handler.py``): it acknowledges
each request at once, turns it into an :class:`InboundMessage` and hands it to
an inbox in the background; :meth:`SlackChannel.send` delivers replies later,
whenever the core has them. Rendering lives in :mod:`bot.channels.slack_blocks`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.channels.slack_blocks import ACTION_PREFIX, SlackMessage, answered, render, unescape
from bot.contract import DeliveryError, InboundMessage, OutboundReply, ReplyAddress, Sender

log = logging.getLogger(__name__)

NAME = "slack"
Inbox = Callable[[InboundMessage], Awaitable[None]]
Spawn = Callable[[Coroutine[Any, Any, None], str], None]

# Subtypes that are still a person writing; edits, deletions, joins and the rest are not.
_PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
# Errors that retrying cannot fix; anything else from the API is worth another try later.
_TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_BUTTON = re.compile(rf"^{re.escape(ACTION_PREFIX)}\d+\.")


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


def plain(text: str, *, bot_user_id: str | None = None) -> str:
    """Slack message text as plain text: markup unwrapped, the bot's mention removed."""

    def unwrap(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "" if target[1:] == bot_user_id else f"@{label or target[1:]}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            return ""
        return label or target

    return " ".join(unescape(_MARKUP.sub(unwrap, text)).split())


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
    return InboundMessage(
        channel=NAME,
        conversation_id=conversation_of(post.team, post.channel, thread),
        # channel:ts names the message itself, so the app_mention and message
        # events of one message, and every retry of either, share one id.
        message_id=f"{post.channel}:{post.ts}",
        sender=sender,
        address=address_of(post.channel, thread),
        text=post.text,
    )


def click_message_of(click: SlackClick, sender: Sender) -> InboundMessage:
    """A click as the core's message: one click per bot message counts, however fast."""
    thread = None if click.channel.startswith("D") else click.thread_ts
    return InboundMessage(
        channel=NAME,
        conversation_id=conversation_of(click.team, click.channel, thread),
        message_id=f"click:{click.channel}:{click.message_ts}",
        sender=sender,
        address=address_of(click.channel, thread),
        text=click.label,
        action=click.value,
    )


def delivery_error(exc: Exception) -> DeliveryError:
    """A Web API failure as a delivery error saying whether a later retry can help."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
        retry = headers.get("retry-after")
        retry = retry[0] if isinstance(retry, list) else retry
        transient = status == 429 or status >= 500 or error in _TRANSIENT_ERRORS
        return DeliveryError(
            f"slack: {error}",
            permanent=not transient,
            retry_after=float(retry) if retry and str(retry).isdigit() else None,
        )
    return DeliveryError(f"slack: {type(exc).__name__}", permanent=False)


class _Identities:
    """users.info answers by user id, kept in memory only and only for a while."""

    def __init__(self, client: AsyncWebClient, ttl: float) -> None:
        self._client = client
        self._ttl = ttl
        self._known: dict[str, tuple[float, Sender]] = {}

    async def sender(self, user_id: str) -> Sender:
        known = self._known.get(user_id)
        if known and known[0] > time.monotonic():
            return known[1]
        try:
            answer = await self._client.users_info(user=user_id)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            # Without an email the turn still gets answers; entitlement asks later.
            log.warning("slack users.info failed error=%s", delivery_error(exc))
            return Sender(id=user_id)
        user = answer.get("user") or {}
        profile = user.get("profile") or {}
        sender = Sender(
            id=user_id,
            name=user.get("real_name") or profile.get("real_name") or None,
            email=profile.get("email") or None,
            is_bot=bool(user.get("is_bot")),
        )
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[user_id] = (time.monotonic() + self._ttl, sender)
        return sender


class SlackChannel:
    """Slack for the core: receives through a bolt app, delivers through the Web API."""

    name = NAME

    def __init__(
        self, client: AsyncWebClient, *, team_id: str | None = None, identity_ttl: float = 600.0
    ) -> None:
        self.client = client
        self._team_id = team_id
        self._identities = _Identities(client, identity_ttl)

    async def sender(self, user_id: str) -> Sender:
        """Who a Slack user is (name, email), from users.info, cached in memory."""
        return await self._identities.sender(user_id)

    async def send(self, address: ReplyAddress, replies: Sequence[OutboundReply]) -> None:
        """Post each reply as its own message (buttons on it); raise DeliveryError on failure."""
        try:
            target = address.data()
        except ValueError as exc:
            raise DeliveryError("slack: unreadable address", permanent=True) from exc
        channel, thread = target.get("channel"), target.get("thread_ts")
        if not isinstance(channel, str) or not channel:
            channel = await self._open_dm(target.get("user"))
        for reply in replies:
            for message in render(reply):
                await self._post(channel, thread if isinstance(thread, str) else None, message)

    async def _open_dm(self, user: object) -> str:
        if not isinstance(user, str) or not user:
            raise DeliveryError("slack: address has no channel or user", permanent=True)
        try:
            opened = await self.client.conversations_open(users=user)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            raise delivery_error(exc) from exc
        return str((opened.get("channel") or {}).get("id"))

    async def _post(self, channel: str, thread: str | None, message: SlackMessage) -> None:
        try:
            await self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread,
                text=message.text,
                blocks=list(message.blocks),
                unfurl_links=False,
                unfurl_media=False,
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            error = delivery_error(exc)
            log.warning("slack delivery failed error=%s permanent=%s", error, error.permanent)
            raise error from exc

    async def show_choice(self, click: SlackClick) -> None:
        """Replace the clicked message's buttons with the choice, so it cannot be clicked again."""
        blocks = answered(click.blocks, click.label)
        try:
            if click.ephemeral and click.response_url:
                webhook = AsyncWebhookClient(click.response_url)
                await webhook.send(replace_original=True, text=click.fallback, blocks=blocks)
            else:
                await self.client.chat_update(
                    channel=click.channel, ts=click.message_ts, text=click.fallback, blocks=blocks
                )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            # The click still counts; only its echo in the message is missing.
            log.warning("slack chat.update failed error=%s", delivery_error(exc))

    def attach(self, bolt: AsyncApp, *, inbox: Inbox, spawn: Spawn) -> None:
        """Listen on a bolt app: acknowledge first, then hand the work to ``spawn``."""

        async def installed_team_only(
            context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
        ) -> BoltResponse | None:
            result = context.authorize_result
            expected = self._team_id or (result.team_id if result else None)
            if expected and context.team_id and context.team_id != expected:
                log.info("slack request from another workspace ignored")
                # Answered, not refused: a failure would only make Slack send it again.
                return BoltResponse(status=200, body="")
            await next()
            return None

        async def on_event(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
            await ack()
            post = post_of(body, bot_user_id=context.bot_user_id)
            if post is not None:
                spawn(self._receive_post(post, inbox), "slack-event")

        async def on_click(ack: AsyncAck, body: dict[str, Any]) -> None:
            await ack()
            click = click_of(body)
            if click is not None:
                spawn(self._receive_click(click, inbox), "slack-click")

        bolt.middleware(installed_team_only)
        bolt.event("message")(on_event)
        bolt.event("app_mention")(on_event)
        bolt.action(_BUTTON)(on_click)

    async def _receive_post(self, post: SlackPost, inbox: Inbox) -> None:
        sender = await self.sender(post.user)
        if not sender.is_bot:
            await inbox(message_of(post, sender))

    async def _receive_click(self, click: SlackClick, inbox: Inbox) -> None:
        await self.show_choice(click)
        await inbox(click_message_of(click, await self.sender(click.user)))
