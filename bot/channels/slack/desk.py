"""Slack's agents' channel: a card per case, its thread, its buttons and ``/tuki``.

Each case is one message (the card) in the agents' channel, updated as the case
changes; its thread carries the transcript, the customer's words and notes.
The card carries the case number as Slack message metadata, so any process
finds a case's card, and a thread's case, in Slack itself (and caches both).

Notes cannot leak by a forgotten prefix (chatwoot PR #15605): they have their
own surfaces, the card's note button (a modal that can only store a note) and
``/tuki muistiinpano``. In the thread, which is labelled as going to the
customer, only the holder's messages are relayed, and a message that *looks*
like a note ("note: …", "muistiinpano …", "// …") is kept as a note rather than
sent: a safety net, since a prefix can only make a message internal, never public.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.channels.slack.blocks import Block, escape, render, section
from bot.channels.slack.marks import (
    CASE_EVENT,
    DUE_SOON,
    HISTORY_PAGES,
    NOTE_ACTION,
    NOTE_VIEW,
    TAKE_ACTION,
    case_of,
)
from bot.channels.slack.payloads import NOTE_BLOCK, NOTE_INPUT, CardClick
from bot.core.cases import OPEN_CASE_STATES, CaseCard, CaseState, DeskEvent, DeskEventKind
from bot.core.contract import DeliveryError, OutboundReply, ReplyAddress, Sender
from bot.core.desk_text import case_line, state_text
from bot.core.texts import Catalogue
from bot.core.timefmt import day_and_time
from bot.desk.commands import Desk, DeskError

log = logging.getLogger(__name__)

class SlackWeb(Protocol):
    """What the agents' side needs of the Slack channel (kept as a protocol: no cycle)."""

    client: AsyncWebClient

    async def sender(self, user_id: str) -> Sender: ...

    async def call(self, method: str, **args: Any) -> AsyncSlackResponse: ...


class SlackDesk:
    """The agents' channel as an agent surface, and agents' actions into the desk."""

    def __init__(
        self, web: SlackWeb, *, texts: Catalogue, lang: str, clock: Callable[[], datetime]
    ) -> None:
        self._web = web
        self._texts = texts
        self._lang = lang
        self._clock = clock
        # Both mappings never change once made, so caching them is safe in any process.
        self._cards: dict[tuple[str, int], str] = {}
        self._cases: dict[tuple[str, str], int | None] = {}

    def _t(self, key: str, **params: object) -> str:
        return self._texts.get(self._lang, key, **params)

    def text(self, key: str, **params: object) -> str:
        """A text of the agents' catalogue, in the agents' language."""
        return self._t(key, **params)

    @property
    def texts(self) -> Catalogue:
        return self._texts

    @property
    def lang(self) -> str:
        return self._lang

    def clock(self) -> datetime:
        return self._clock()

    async def sender(self, user_id: str) -> Sender:
        return await self._web.sender(user_id)

    # --- Drawing: desk events into the agents' channel -------------------------

    async def show(self, address: ReplyAddress, event: DeskEvent) -> None:
        """Draw a desk event: the card posted or updated, the event's lines in its thread."""
        channel = str(address.data().get("channel"))
        card = event.card
        if event.kind is DeskEventKind.CASE_ERASED:
            await self._erase(channel, card.case_id, event.lines)
            return
        ts = await self._card_ts(channel, card.case_id)
        alert = event.kind is DeskEventKind.DUE_SOON
        if ts is None:
            ts = await self._post_card(channel, card, alert=alert)
            guide = self._t("slack_desk.thread_guide", case=card.case_id)
            await self._thread(channel, ts, (guide, *event.lines))
            return
        if event.kind in (DeskEventKind.CASE_CHANGED, DeskEventKind.DUE_SOON):
            await self._web.call(
                "chat_update", channel=channel, ts=ts, text=self._fallback(card),
                blocks=self.card_blocks(card, alert=alert),
            )  # fmt: skip
        lines = event.lines
        if event.kind is DeskEventKind.NOTICE:
            lines = tuple(f"🔒 {line}" for line in lines)
        await self._thread(channel, ts, lines, broadcast=alert)

    def card_blocks(self, card: CaseCard, *, alert: bool = False) -> list[Block]:
        """The case as agents see it: who, what, how urgent, by when; take and note buttons."""
        now = self._clock()
        lang = "en" if self._lang == "en" else "fi"
        queued = card.state == CaseState.QUEUED
        title = self._t("desk.new_case", case=card.case_id) if queued else f"#{card.case_id}"
        product = f"{card.product} {card.version}" if card.version else card.product
        entitlement = (
            self._t("slack_desk.entitlement_entitled")
            if card.entitlement == "entitled"
            else self._t("slack_desk.entitlement_other", code=card.entitlement)
        )
        fields = {
            "organisation": card.organisation or "?",
            "customer": card.customer or "?",
            "product": product,
            "urgency": self._t(f"handover.urgency_{card.urgency}"),
            "target": day_and_time(card.due_at, lang, now),
            "entitlement": entitlement,
        }
        state = state_text(self._texts, self._lang, card)
        labelled = [(self._t(f"slack_desk.{key}"), value) for key, value in fields.items()]
        blocks: list[Block] = [
            section(f"*{escape(title)}* · {escape(state)}"),
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{escape(label)}*\n{escape(value)}"}
                    for label, value in labelled
                ],
            },
            section(escape(card.summary)[:2900] or "–"),
        ]
        notes = []
        if queued and (alert or card.due_at - now <= DUE_SOON):
            notes.append(self._t("slack_desk.due_soon", due=day_and_time(card.due_at, lang, now)))
        if card.resolution:
            notes.append(f"{self._t('desk.resolution')}: {card.resolution}")
        if notes:
            blocks.append({"type": "context", "elements": [
                {"type": "mrkdwn", "text": escape(note)} for note in notes]})  # fmt: skip
        buttons: list[Block] = []
        if queued:
            buttons.append(self._button(TAKE_ACTION, "slack_desk.take", card, style="primary"))
        if card.state in OPEN_CASE_STATES:
            buttons.append(self._button(NOTE_ACTION, "slack_desk.add_note", card))
        if buttons:
            blocks.append({"type": "actions", "block_id": "tuki.desk", "elements": buttons})
        return blocks

    def _button(self, action: str, label: str, card: CaseCard, **style: str) -> Block:
        return {"type": "button", "action_id": action, "value": str(card.case_id),
                "text": {"type": "plain_text", "text": self._t(label)}, **style}  # fmt: skip

    def note_modal(self, case_id: int) -> Block:
        """The modal for an internal note on a case: one text field, nothing sent anywhere."""

        def plain(key: str, limit: int = 24) -> Block:  # Slack's limit for a modal's title
            return {"type": "plain_text", "text": self._t(key, case=case_id)[:limit]}

        field = {"type": "plain_text_input", "action_id": NOTE_INPUT, "multiline": True}
        note = {"type": "input", "block_id": NOTE_BLOCK, "element": field,
                "label": plain("slack_desk.note_label", 2000),
                "hint": plain("slack_desk.note_hint", 2000)}  # fmt: skip
        return {
            "type": "modal", "callback_id": NOTE_VIEW, "private_metadata": str(case_id),
            "title": plain("slack_desk.note_title"), "submit": plain("slack_desk.note_save"),
            "close": plain("slack_desk.note_cancel"), "blocks": [note],
        }  # fmt: skip

    def _fallback(self, card: CaseCard) -> str:
        return escape(case_line(self._texts, self._lang, card, self._clock()))

    async def _post_card(self, channel: str, card: CaseCard, *, alert: bool) -> str:
        posted = await self._web.call(
            "chat_postMessage", channel=channel, text=self._fallback(card),
            blocks=self.card_blocks(card, alert=alert),
            metadata={"event_type": CASE_EVENT, "event_payload": {"case_id": card.case_id}},
            unfurl_links=False, unfurl_media=False,
        )  # fmt: skip
        ts = str(posted["ts"])
        self._cards[(channel, card.case_id)] = ts
        self._cases[(channel, ts)] = card.case_id
        return ts

    async def _thread(
        self, channel: str, ts: str, lines: tuple[str, ...], *, broadcast: bool = False
    ) -> None:
        if not lines:
            return
        for message in render(OutboundReply(text="\n\n".join(lines))):
            await self._web.call(
                "chat_postMessage", channel=channel, thread_ts=ts, text=message.text,
                blocks=list(message.blocks), reply_broadcast=broadcast,
                unfurl_links=False, unfurl_media=False,
            )  # fmt: skip

    async def _erase(self, channel: str, case_id: int, lines: tuple[str, ...]) -> None:
        """The customer had the case erased: delete the card and every message the bot
        posted in its thread (a bot token cannot delete people's own messages), then say
        so with nothing but the case number."""
        ts = await self._card_ts(channel, case_id)
        if ts is not None:
            thread = await self._web.call("conversations_replies", channel=channel, ts=ts)
            for message in sorted(thread.get("messages") or [], key=lambda m: -float(m["ts"])):
                if message.get("bot_id"):
                    await self._delete(channel, str(message["ts"]))
            self._cards.pop((channel, case_id), None)
            self._cases.pop((channel, ts), None)
        for message in render(OutboundReply(text="\n\n".join(lines))):
            await self._web.call("chat_postMessage", channel=channel, text=message.text,
                                 blocks=list(message.blocks))  # fmt: skip

    async def _delete(self, channel: str, ts: str) -> None:
        try:
            await self._web.call("chat_delete", channel=channel, ts=ts)
        except DeliveryError as exc:
            # Already gone, or another app's message: nothing this bot can or must do.
            if "message_not_found" not in str(exc) and "cant_delete_message" not in str(exc):
                raise

    async def _card_ts(self, channel: str, case_id: int) -> str | None:
        """The card's message in the channel: cached, else found by its metadata."""
        known = self._cards.get((channel, case_id))
        if known:
            return known
        cursor = None
        for _ in range(HISTORY_PAGES):
            page = await self._web.call(
                "conversations_history", channel=channel, limit=200,
                include_all_metadata=True, cursor=cursor,
            )  # fmt: skip
            for message in page.get("messages") or []:
                if case_of(message) == case_id:
                    self._cards[(channel, case_id)] = str(message["ts"])
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    async def case_of_thread(self, channel: str, thread_ts: str) -> int | None:
        """The case whose card starts this thread, or None if it is no case's thread."""
        if (channel, thread_ts) in self._cases:
            return self._cases[(channel, thread_ts)]
        page = await self._web.call(
            "conversations_history", channel=channel, latest=thread_ts, inclusive=True,
            limit=1, include_all_metadata=True,
        )  # fmt: skip
        messages = [m for m in page.get("messages") or [] if m.get("ts") == thread_ts]
        case_id = case_of(messages[0]) if messages else None
        self._cases[(channel, thread_ts)] = case_id
        return case_id

    # --- Acting: agents' clicks, thread messages and commands into the desk ----

    async def open_note(self, desk: Desk, click: CardClick) -> None:
        """The note button: an agent gets the note modal, anyone else the desk's refusal."""
        agent = await self._web.sender(click.user)
        try:
            desk.agent(agent.email)
        except DeskError as refusal:
            await self._whisper(click.channel, click.user, str(refusal), thread_ts=click.card_ts)
            return
        try:
            await self._web.call(
                "views_open", trigger_id=click.trigger_id, view=self.note_modal(click.case_id)
            )
        except DeliveryError:
            # An expired trigger (Slack allows 3 s) or an API error: say so, point to /tuki.
            told = self._t("slack_desk.note_form_failed", case=click.case_id)
            await self._whisper(click.channel, click.user, told, thread_ts=click.card_ts)

    async def _whisper(self, channel: str, user: str, text: str, *, thread_ts: str | None) -> None:
        await self._web.call(
            "chat_postEphemeral", channel=channel, user=user, text=escape(text),
            thread_ts=thread_ts,
        )  # fmt: skip
