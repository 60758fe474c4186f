"""The Slack channel: Slack payloads to inbound messages, replies to Block Kit.

A thin adapter (after bolt's own ``adapter/*/handler.py``): it acknowledges
each request at once, turns it into an :class:`InboundMessage` and hands it to
an inbox in the background; :meth:`SlackChannel.send` delivers replies later,
whenever the core has them. The pieces: payloads in
:mod:`~bot.channels.slack_payloads`, rendering in :mod:`~bot.channels.slack_blocks`,
the agents' channel in :mod:`~bot.channels.slack_desk`, ``/tuki`` in
:mod:`~bot.channels.slack_commands`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.channels.slack.blocks import ACTION_PREFIX, SlackMessage, answered, escape, render
from bot.channels.slack.commands import COMMAND
from bot.channels.slack.desk import SlackDesk
from bot.channels.slack.identity import Identities, delivery_error
from bot.channels.slack.marks import NOTE_ACTION, NOTE_VIEW, TAKE_ACTION
from bot.channels.slack.payloads import (
    NAME,
    AgentPost,
    SlackClick,
    agent_post_of,
    card_click_of,
    click_message_of,
    click_of,
    message_of,
    note_submission_of,
    post_of,
)
from bot.core.cases import DeskEvent
from bot.core.contract import DeliveryError, InboundMessage, OutboundReply, ReplyAddress, Sender
from bot.core.texts import Catalogue
from bot.desk.commands import Desk

log = logging.getLogger(__name__)

_BUTTON = re.compile(rf"^{re.escape(ACTION_PREFIX)}\d+\.")

Inbox = Callable[[InboundMessage], Awaitable[None]]
Spawn = Callable[[Coroutine[Any, Any, None], str], None]
Claim = Callable[[str], Awaitable[bool]]

class SlackChannel:
    """Slack for the core: receives through a bolt app, delivers through the Web API.

    With an agents' channel it is also an agent surface (``show``): cases appear
    there as cards, and agents act on them through :mod:`bot.channels.slack_desk`.
    """

    name = NAME

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        team_id: str | None = None,
        agent_channel: str | None = None,
        texts: Catalogue | None = None,
        agent_lang: str = "fi",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        identity_ttl: float = 600.0,
    ) -> None:
        self.client = client
        self.agent_channel = agent_channel
        self._team_id = team_id
        self._identities = Identities(client, identity_ttl)
        self.desk_view = (
            SlackDesk(self, texts=texts, lang=agent_lang, clock=clock) if texts else None
        )

    async def sender(self, user_id: str) -> Sender:
        """Who a Slack user is (name, email), from users.info, cached in memory."""
        return await self._identities.sender(user_id)

    async def identify(self, sender: Sender) -> Sender:
        """The inbox worker's lookup before a turn (see ``IdentifiesSenders``)."""
        return await self._identities.sender(sender.id)

    async def call(self, method: str, **args: Any) -> AsyncSlackResponse:
        """One Web API call (``chat_postMessage`` …); failures raise :class:`DeliveryError`."""
        try:
            return await getattr(self.client, method)(**args)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            error = delivery_error(exc)
            log.warning(
                "slack call failed method=%s error=%s permanent=%s", method, error, error.permanent
            )
            raise error from exc

    async def send(self, address: ReplyAddress, replies: Sequence[OutboundReply]) -> None:
        """Post each reply as its own message (buttons on it); raise DeliveryError on failure."""
        try:
            target = address.data()
        except ValueError as exc:
            raise DeliveryError("slack: unreadable address", permanent=True) from exc
        channel, thread = target.get("channel"), target.get("thread_ts")
        if not isinstance(channel, str) or not channel:
            channel = await self._open_dm(target.get("user"))
        thread_ts = thread if isinstance(thread, str) else None
        for reply in replies:
            for message in render(reply):
                if reply.only_for:
                    await self.call(
                        "chat_postEphemeral", channel=channel, user=reply.only_for,
                        thread_ts=thread_ts, text=message.text, blocks=list(message.blocks),
                    )  # fmt: skip
                else:
                    await self._post(channel, thread_ts, message)

    async def show(self, address: ReplyAddress, event: DeskEvent) -> None:
        """Draw a desk event in the agents' channel (the outbox calls this)."""
        if self.desk_view is None:
            raise DeliveryError("slack: no agents' channel configured", permanent=True)
        await self.desk_view.show(address, event)

    async def _open_dm(self, user: object) -> str:
        if not isinstance(user, str) or not user:
            raise DeliveryError("slack: address has no channel or user", permanent=True)
        opened = await self.call("conversations_open", users=user)
        return str((opened.get("channel") or {}).get("id"))

    async def _post(self, channel: str, thread: str | None, message: SlackMessage) -> None:
        await self.call(
            "chat_postMessage", channel=channel, thread_ts=thread, text=message.text,
            blocks=list(message.blocks), unfurl_links=False, unfurl_media=False,
        )  # fmt: skip

    async def show_choice(self, click: SlackClick) -> None:
        """Replace the clicked message's buttons with the choice, so it cannot be clicked again."""
        blocks = answered(click.blocks, click.label)
        try:
            if click.ephemeral and click.response_url:
                webhook = AsyncWebhookClient(click.response_url)
                await webhook.send(replace_original=True, text=click.fallback, blocks=blocks)
            else:
                await self.call(
                    "chat_update", channel=click.channel, ts=click.message_ts,
                    text=click.fallback, blocks=blocks,
                )  # fmt: skip
        except (DeliveryError, aiohttp.ClientError, TimeoutError):
            pass  # the click still counts; only its echo in the message is missing (logged)

    def attach(
        self,
        bolt: AsyncApp,
        *,
        inbox: Inbox,
        spawn: Spawn,
        desk: Desk | None = None,
        claim: Claim | None = None,
    ) -> None:
        """Listen on a bolt app: acknowledge first, then hand the work to ``spawn``.

        With ``desk`` (and an agents' channel) the agents' side is served too: the
        card's take and note buttons, the note modal, case threads and ``/tuki``;
        ``claim`` marks a Slack message as handled across processes, so an agent's
        reply reaches a customer once.
        """
        agents = (desk, self.desk_view) if desk and self.desk_view and self.agent_channel else None

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
            event = body.get("event") or {}
            if self.agent_channel and event.get("channel") == self.agent_channel:
                await ack()
                said = agent_post_of(body)
                if said is not None and agents is not None:
                    spawn(self._receive_agent_post(said, *agents, claim), "slack-agent-post")
                return  # the agents' channel is never a customer conversation
            post = post_of(body, bot_user_id=context.bot_user_id)
            if post is not None:
                # Stored before Slack hears it arrived: if storing fails, Slack retries.
                # Who the sender is (users.info) is looked up later, by the inbox worker.
                await inbox(message_of(post, Sender(id=post.user)))
            await ack()

        async def on_click(ack: AsyncAck, body: dict[str, Any]) -> None:
            click = click_of(body)
            if click is not None:
                await inbox(click_message_of(click, Sender(id=click.user)))
                # Only a stored click changes the buttons (the choice shows in place).
                spawn(self.show_choice(click), "slack-choice")
            await ack()

        bolt.middleware(installed_team_only)
        bolt.event("message")(on_event)
        bolt.event("app_mention")(on_event)
        bolt.action(_BUTTON)(on_click)
        if agents is not None and self.agent_channel:
            self._attach_desk(bolt, *agents, channel=self.agent_channel, spawn=spawn)

    def _attach_desk(
        self, bolt: AsyncApp, desk: Desk, view: SlackDesk, *, channel: str, spawn: Spawn
    ) -> None:
        async def on_take(ack: AsyncAck, body: dict[str, Any]) -> None:
            await ack()
            take = card_click_of(body)
            if take is not None:
                spawn(view.take(desk, take), "slack-take")

        async def on_note_button(ack: AsyncAck, body: dict[str, Any]) -> None:
            await ack()
            click = card_click_of(body)
            if click is not None and click.trigger_id:
                spawn(view.open_note(desk, click), "slack-note-open")

        async def on_note_saved(ack: AsyncAck, body: dict[str, Any]) -> None:
            await ack()  # closes the modal; the note shows in the case thread once stored
            saved = note_submission_of(body)
            if saved is not None:
                spawn(view.save_note(desk, saved, channel=channel), "slack-note-save")

        async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
            await ack()
            user, url = body.get("user_id"), body.get("response_url")
            if isinstance(user, str) and isinstance(url, str):
                text = str(body.get("text") or "")
                spawn(self._answer_command(view, desk, user, text, url), "slack-command")

        bolt.action(TAKE_ACTION)(on_take)
        bolt.action(NOTE_ACTION)(on_note_button)
        bolt.view(NOTE_VIEW)(on_note_saved)
        bolt.command(COMMAND)(on_command)

    async def _receive_agent_post(
        self, said: AgentPost, desk: Desk, view: SlackDesk, claim: Claim | None
    ) -> None:
        # Slack may deliver an agent's message twice; it must reach the customer once.
        if claim is not None and not await claim(f"{said.channel}:{said.ts}"):
            return
        await view.thread_message(desk, said)

    async def _answer_command(
        self, view: SlackDesk, desk: Desk, user: str, text: str, url: str
    ) -> None:
        answer = await view.command(desk, user=user, text=text)
        await AsyncWebhookClient(url).send(text=escape(answer), response_type="ephemeral")
