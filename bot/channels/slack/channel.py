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
from bot.channels.slack.desk_actions import (
    KIND_COMMAND,
    KIND_NOTE,
    KIND_POST,
    KIND_TAKE,
    Deliver,
    DeskActions,
    Register,
    stored,
)
from bot.channels.slack.identity import Identities, delivery_error
from bot.channels.slack.marks import NOTE_ACTION, NOTE_VIEW, TAKE_ACTION
from bot.channels.slack.payloads import (
    NAME,
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
        if isinstance(url := target.get("response_url"), str):
            await self._respond(url, replies)  # a slash command's answer, only to its agent
            return
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

    async def _respond(self, url: str, replies: Sequence[OutboundReply]) -> None:
        text = "\n\n".join(escape(reply.text) for reply in replies)
        try:
            answer = await AsyncWebhookClient(url).send(text=text, response_type="ephemeral")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError("slack: response_url unreachable") from exc
        if answer.status_code == 404:  # Slack keeps a response_url for 30 minutes
            raise DeliveryError("slack: response_url expired", permanent=True)
        if answer.status_code >= 400:
            raise DeliveryError(f"slack: response_url http_{answer.status_code}")

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
        handle_kind: Register | None = None,
        deliver: Deliver | None = None,
    ) -> None:
        """Listen on a bolt app: store what arrives in the inbox, then acknowledge.

        With ``desk`` (and an agents' channel) the agents' side is served too: the
        card's take and note buttons, the note modal, case threads and ``/tuki``,
        each stored as its own kind and handled once by the inbox workers
        (:mod:`bot.channels.slack.desk_actions`).
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
                said = agent_post_of(body)
                if said is not None and agents is not None:
                    where = {"channel": said.channel, "thread_ts": said.thread_ts}
                    post_id = f"{said.channel}:{said.ts}"
                    await inbox(stored(KIND_POST, user=said.user, where=where,
                                       message_id=post_id, text=said.text))  # fmt: skip
                await ack()
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
            self._attach_desk(bolt, agents[1], inbox=inbox, spawn=spawn, desk=agents[0])
            if handle_kind is not None and deliver is not None:
                DeskActions(agents[1], agents[0], deliver).register(handle_kind)

    def _attach_desk(self, bolt: AsyncApp, view: SlackDesk, *, inbox: Inbox, spawn: Spawn,
                     desk: Desk) -> None:  # fmt: skip
        """The agents' actions: stored in the inbox before the ack (see desk_actions)."""

        async def on_take(ack: AsyncAck, body: dict[str, Any]) -> None:
            take = card_click_of(body)
            if take is not None:
                where = {"channel": take.channel, "thread_ts": take.card_ts}
                action_id = take.trigger_id or f"{take.card_ts}:{take.user}"
                await inbox(stored(KIND_TAKE, user=take.user, message_id=f"take:{action_id}",
                                   where=where, case_id=take.case_id))  # fmt: skip
            await ack()

        async def on_note_button(ack: AsyncAck, body: dict[str, Any]) -> None:
            await ack()  # opening a form changes nothing: no need to store it first
            click = card_click_of(body)
            if click is not None and click.trigger_id:
                spawn(view.open_note(desk, click), "slack-note-open")

        async def on_note_saved(ack: AsyncAck, body: dict[str, Any]) -> None:
            saved = note_submission_of(body)
            view_id = str((body.get("view") or {}).get("id") or "")
            if saved is not None and self.agent_channel:
                where = {"channel": self.agent_channel}
                await inbox(stored(KIND_NOTE, user=saved.user, message_id=f"note:{view_id}",
                                   where=where, text=saved.text,
                                   case_id=saved.case_id))  # fmt: skip
            await ack()  # closes the modal; the note shows in the case thread once stored

        async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
            user, url = body.get("user_id"), body.get("response_url")
            trigger = body.get("trigger_id") or ""
            if isinstance(user, str) and isinstance(url, str):
                await inbox(stored(KIND_COMMAND, user=user, message_id=f"command:{trigger}",
                                   where={"response_url": url},
                                   text=str(body.get("text") or "")))  # fmt: skip
            await ack()

        bolt.action(TAKE_ACTION)(on_take)
        bolt.action(NOTE_ACTION)(on_note_button)
        bolt.view(NOTE_VIEW)(on_note_saved)
        bolt.command(COMMAND)(on_command)
