"""Slack's agents' channel: a card per case, its thread, the take button and ``/tuki``.

Each case is one message (the card) in the agents' channel, updated as the case
changes; its thread carries the transcript, the customer's words and notes.
The card carries the case number as Slack message metadata, so any process
finds a case's card, and a thread's case, in Slack itself (and caches both).

Notes cannot leak by a forgotten prefix (chatwoot PR #15605): the thread is
labelled as going to the customer, only the holder's messages are relayed, and
a message that *looks* like a note ("note: …", "muistiinpano …", "// …") is kept
as a note rather than sent. A prefix can only make a message internal, never
make it public.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.channels.slack_blocks import Block, escape, render, section
from bot.channels.slack_payloads import AgentPost, TakeClick
from bot.contract import CaseCard, DeskEvent, DeskEventKind, OutboundReply, ReplyAddress, Sender
from bot.desk import Desk, DeskError
from bot.desk_text import case_line, state_text
from bot.i18n import Catalogue
from bot.state import CaseState
from bot.timefmt import day_and_time

log = logging.getLogger(__name__)

COMMAND = "/tuki"
CASE_EVENT = "supportbot_case"
TAKE_ACTION = "tuki.desk.take"
DUE_SOON = timedelta(minutes=30)
HISTORY_PAGES = 10

_NOTE = re.compile(
    r"^\s*(?:(?:note|notes|internal|muistiinpano|muistio|sisäinen)\b\s*[:\-–]?|//)\s*",
    re.IGNORECASE,
)


def note_of(text: str) -> str | None:
    """The note, if an agent's thread message is marked as one (then it is never sent)."""
    match = _NOTE.match(text)
    return text[match.end() :].strip() if match else None


class Verb(StrEnum):
    QUEUE = "queue"
    TAKE = "take"
    REPLY = "reply"
    NOTE = "note"
    URGENCY = "urgency"
    HANDBACK = "handback"
    TRANSFER = "transfer"
    CLOSE = "close"


VERBS = {
    "queue": Verb.QUEUE, "jono": Verb.QUEUE, "take": Verb.TAKE, "ota": Verb.TAKE,
    "reply": Verb.REPLY, "vastaa": Verb.REPLY, "note": Verb.NOTE, "muistiinpano": Verb.NOTE,
    "urgency": Verb.URGENCY, "kiireellisyys": Verb.URGENCY, "handback": Verb.HANDBACK,
    "hand-back": Verb.HANDBACK, "palauta": Verb.HANDBACK, "transfer": Verb.TRANSFER,
    "siirrä": Verb.TRANSFER, "siirra": Verb.TRANSFER, "close": Verb.CLOSE, "sulje": Verb.CLOSE,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class DeskCommand:
    verb: Verb
    case_id: int | None
    rest: str


def parse_command(text: str) -> DeskCommand | None:
    """``/tuki`` text as a command: ``<verb> [#]<case> [rest]``; None when it is not one."""
    words = text.strip().split(maxsplit=2)
    if not words or words[0].lower() not in VERBS:
        return None
    verb = VERBS[words[0].lower()]
    if verb is Verb.QUEUE:
        return DeskCommand(verb, None, "")
    number = words[1].lstrip("#") if len(words) > 1 else ""
    if not number.isdigit():
        return None
    return DeskCommand(verb, int(number), words[2].strip() if len(words) > 2 else "")


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

    # --- Drawing: desk events into the agents' channel -------------------------

    async def show(self, address: ReplyAddress, event: DeskEvent) -> None:
        """Draw a desk event: the card posted or updated, the event's lines in its thread."""
        channel = str(address.data().get("channel"))
        card = event.card
        ts = await self._card_ts(channel, card)
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
        """The case as agents see it: who, what, how urgent, by when, and a take button."""
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
        if queued:
            take = {"type": "button", "action_id": TAKE_ACTION, "style": "primary",
                    "text": {"type": "plain_text", "text": self._t("slack_desk.take")},
                    "value": str(card.case_id)}  # fmt: skip
            blocks.append({"type": "actions", "block_id": "tuki.desk", "elements": [take]})
        return blocks

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

    async def _card_ts(self, channel: str, card: CaseCard) -> str | None:
        """The card's message in the channel: cached, else found by its metadata."""
        known = self._cards.get((channel, card.case_id))
        if known:
            return known
        cursor = None
        for _ in range(HISTORY_PAGES):
            page = await self._web.call(
                "conversations_history", channel=channel, limit=200,
                include_all_metadata=True, cursor=cursor,
            )  # fmt: skip
            for message in page.get("messages") or []:
                if _case_of(message) == card.case_id:
                    self._cards[(channel, card.case_id)] = str(message["ts"])
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
        case_id = _case_of(messages[0]) if messages else None
        self._cases[(channel, thread_ts)] = case_id
        return case_id

    # --- Acting: agents' clicks, thread messages and commands into the desk ----

    async def take(self, desk: Desk, click: TakeClick) -> None:
        """The take button: exactly one agent wins; everyone else is told who has it."""
        agent = await self._web.sender(click.user)
        try:
            told = (await desk.take(agent.email, click.case_id)).message
        except DeskError as refusal:
            told = str(refusal)
        await self._whisper(click.channel, click.user, told, thread_ts=click.card_ts)

    async def thread_message(self, desk: Desk, said: AgentPost) -> None:
        """An agent wrote in a case thread: a note stays internal, anything else is a reply."""
        case_id = await self.case_of_thread(said.channel, said.thread_ts)
        if case_id is None:
            return  # an ordinary thread in the agents' channel: nothing to do with cases
        agent = await self._web.sender(said.user)
        note = note_of(said.text)
        try:
            if note is not None:
                await desk.note(agent.email, case_id, note)
            else:
                await desk.reply(agent.email, case_id, said.text)
        except DeskError as refusal:
            reason = str(refusal)
            if note is None:
                reason = self._t("slack_desk.not_sent", reason=reason)
            await self._whisper(said.channel, said.user, reason, thread_ts=said.thread_ts)

    async def command(self, desk: Desk, *, user: str, text: str) -> str:
        """``/tuki``: what the agent is told back (only they see it)."""
        agent = await self._web.sender(user)
        try:
            desk.agent(agent.email)
            command = parse_command(text)
            if command is None:
                return self._t("slack_desk.usage")
            return await self._run(desk, agent.email, command)
        except DeskError as refusal:
            return str(refusal)

    async def _run(self, desk: Desk, email: str | None, command: DeskCommand) -> str:
        case, rest = command.case_id or 0, command.rest
        match command.verb:
            case Verb.QUEUE:
                cards = await desk.queue(email)
                now = self._clock()
                lines = [case_line(self._texts, self._lang, card, now) for card in cards]
                return "\n".join(lines) or self._t("slack_desk.queue_empty")
            case Verb.TAKE:
                outcome = await desk.take(email, case)
            case Verb.REPLY:
                outcome = await desk.reply(email, case, rest)
            case Verb.NOTE:
                outcome = await desk.note(email, case, rest)
            case Verb.URGENCY:
                level = int(rest) if rest.isdigit() else 0
                outcome = await desk.set_urgency(email, case, level)
            case Verb.HANDBACK:
                outcome = await desk.hand_back(email, case)
            case Verb.TRANSFER:
                outcome = await desk.transfer(email, case, rest)
            case Verb.CLOSE:
                outcome = await desk.close(email, case, rest)
        return outcome.message

    async def _whisper(self, channel: str, user: str, text: str, *, thread_ts: str) -> None:
        await self._web.call(
            "chat_postEphemeral", channel=channel, user=user, text=escape(text),
            thread_ts=thread_ts,
        )  # fmt: skip


def _case_of(message: Mapping[str, Any]) -> int | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != CASE_EVENT:
        return None
    case_id = (metadata.get("event_payload") or {}).get("case_id")
    return int(case_id) if isinstance(case_id, int | str) and str(case_id).isdigit() else None
