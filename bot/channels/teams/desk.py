"""Teams' agents' channel: a card per case, the transcript in its thread, dialogs.

Each case is one Adaptive Card posted in ``TEAMS_AGENT_CHANNEL`` and updated as
the case changes; its thread carries the transcript and the customer's words.
The connector has no history to search, so which activity is a case's card, and
which case a thread belongs to, are channel marks in the bot's database: any
process finds them. Notes have their own surface, the card's note button (a
dialog that can only save a note); what the holder writes in the thread goes to
the customer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from microsoft_agents.activity import Activity

from bot.channels.teams.activities import NAME, thread_conversation
from bot.channels.teams.cards import Card, attachment, card, execute, markdown, text_block
from bot.channels.teams.channel import DeskView, Target, TeamsChannel
from bot.core.cases import OPEN_CASE_STATES, CaseCard, CaseState, DeskEvent, DeskEventKind
from bot.core.contract import DeliveryError, ReplyAddress
from bot.core.desk_text import case_line, state_text
from bot.core.ports import ChannelMarks
from bot.core.texts import Catalogue
from bot.core.timefmt import day_and_time

log = logging.getLogger(__name__)

TAKE_VERB = "tuki.take"
URGENCY_VERB = "tuki.urgency"
HANDBACK_VERB = "tuki.handback"
TRANSFER_VERB = "tuki.transfer"
NOTE_VERB = "tuki.note"
CLOSE_VERB = "tuki.close"
# Buttons answered at once (Action.Execute); the dialogs open a form first (task/fetch).
CARD_VERBS = (TAKE_VERB, URGENCY_VERB, HANDBACK_VERB, TRANSFER_VERB)
DIALOG_VERBS = (NOTE_VERB, CLOSE_VERB)


def card_key(conversation: str, case_id: int) -> str:
    return f"card:{conversation}:{case_id}"


def thread_key(conversation: str, root: str) -> str:
    return f"thread:{conversation}:{root}"


def post_prefix(conversation: str, case_id: int) -> str:
    """The marks of the bot's posts in a case's thread (deleted if the case is erased)."""
    return f"post:{conversation}:{case_id}:"


class TeamsDesk(DeskView):
    """The agents' channel as an agent surface."""

    def __init__(
        self, channel: TeamsChannel, marks: ChannelMarks, *, texts: Catalogue, lang: str,
        clock: Callable[[], datetime],
    ) -> None:  # fmt: skip
        self._channel = channel
        self._marks = marks
        self._texts = texts
        self._lang = lang
        self._clock = clock

    def text(self, key: str, **params: object) -> str:
        return self._texts.get(self._lang, key, **params)

    @property
    def texts(self) -> Catalogue:
        return self._texts

    @property
    def lang(self) -> str:
        return self._lang

    def clock(self) -> datetime:
        return self._clock()

    async def case_of_thread(self, conversation: str, root: str) -> int | None:
        found = await self._marks.mark(NAME, thread_key(conversation, root))
        return int(found) if found and found.isdigit() else None

    async def show(self, address: ReplyAddress, event: DeskEvent) -> None:
        """Draw a desk event: the card posted or updated, the event's lines in its thread."""
        target = Target.of(address)
        case_id = event.card.case_id
        if event.kind is DeskEventKind.CASE_ERASED:
            await self._erase(target, case_id, event.lines)
            return
        card_id = await self._marks.mark(NAME, card_key(target.conversation, case_id))
        alert = event.kind is DeskEventKind.DUE_SOON
        if card_id is None:
            card_id = await self._channel.post(target, self._card_activity(event.card, alert))
            if not card_id:
                raise DeliveryError("teams: the card was posted without an id", permanent=True)
            await self._remember(target.conversation, case_id, card_id)
            guide = self.text("teams.thread_guide", case=case_id)
            await self._thread(target, card_id, case_id, (guide, *event.lines))
            return
        if event.kind in (DeskEventKind.CASE_CHANGED, DeskEventKind.DUE_SOON):
            await self._channel.connector.update(
                target.service_url, target.conversation, card_id,
                self._card_activity(event.card, alert),
            )  # fmt: skip
        lines = event.lines
        if event.kind is DeskEventKind.NOTICE:
            lines = tuple(f"🔒 {line}" for line in lines)
        await self._thread(target, card_id, case_id, lines)

    async def _remember(self, conversation: str, case_id: int, card_id: str) -> None:
        at = self._clock()
        await self._marks.put_mark(NAME, thread_key(conversation, card_id), str(case_id), at=at)
        await self._marks.put_mark(NAME, card_key(conversation, case_id), card_id, at=at)

    async def _thread(
        self, target: Target, root: str, case_id: int, lines: tuple[str, ...]
    ) -> None:
        if not lines:
            return
        thread = Target(target.service_url, thread_conversation(target.conversation, root))
        body = markdown("\n\n".join(lines))
        reply = Activity(type="message", text=body, text_format="markdown")
        posted = await self._channel.post(thread, reply)
        if posted:  # remembered, so an erasure can delete it (the connector lists nothing)
            key = post_prefix(target.conversation, case_id) + posted
            await self._marks.put_mark(NAME, key, posted, at=self._clock())

    async def _erase(self, target: Target, case_id: int, lines: tuple[str, ...]) -> None:
        """The customer had the case erased: delete the bot's posts in the case's thread and
        the card, forget the marks, and say so with nothing but the case number."""
        key = card_key(target.conversation, case_id)
        card_id = await self._marks.mark(NAME, key)
        posts = await self._marks.marks_under(NAME, post_prefix(target.conversation, case_id))
        if card_id is not None:
            thread = thread_conversation(target.conversation, card_id)
            for post_key, post_id in posts.items():
                await self._delete(target.service_url, thread, post_id)
                await self._marks.drop_marks(NAME, [post_key])
            await self._delete(target.service_url, target.conversation, card_id)
            await self._marks.drop_marks(NAME, [key, thread_key(target.conversation, card_id)])
        text = markdown("\n\n".join(lines))
        await self._channel.post(target, Activity(type="message", text=text))

    async def _delete(self, service_url: str, conversation: str, activity_id: str) -> None:
        try:
            await self._channel.connector.call(
                service_url,
                lambda c: c.conversations.delete_activity(conversation, activity_id),
                "delete",
            )
        except DeliveryError as exc:
            if not exc.permanent:  # already gone (404) is what was wanted
                raise

    def _card_activity(self, case: CaseCard, alert: bool) -> Activity:
        return Activity(type="message", summary=case_line(self._texts, self._lang, case,
                                                          self._clock()),
                        attachments=[attachment(self.case_card(case, alert=alert))])  # fmt: skip

    def case_card(self, case: CaseCard, *, alert: bool = False) -> Card:
        """The case as agents see it: who, what, how urgent, by when; its buttons."""
        now = self._clock()
        lang = "en" if self._lang == "en" else "fi"
        queued = case.state == CaseState.QUEUED
        title = self.text("desk.new_case", case=case.case_id) if queued else f"#{case.case_id}"
        product = f"{case.product} {case.version}" if case.version else case.product
        entitlement = (
            self.text("slack_desk.entitlement_entitled")
            if case.entitlement == "entitled"
            else self.text("slack_desk.entitlement_other", code=case.entitlement)
        )
        facts = {
            "organisation": case.organisation or "?", "customer": case.customer or "?",
            "product": product, "urgency": self.text(f"handover.urgency_{case.urgency}"),
            "target": day_and_time(case.due_at, lang, now), "entitlement": entitlement,
        }  # fmt: skip
        state = state_text(self._texts, self._lang, case)
        labelled = [{"title": self.text(f"slack_desk.{key}"), "value": value}
                    for key, value in facts.items()]  # fmt: skip
        body: list[Card] = [
            text_block(f"{title} · {state}", weight="Bolder", size="Medium"),
            {"type": "FactSet", "facts": labelled},
            text_block(case.summary[:4000] or "–"),
        ]
        if queued and alert:
            due = day_and_time(case.due_at, lang, now)
            body.append(text_block(self.text("slack_desk.due_soon", due=due), color="Attention"))
        if case.resolution:
            body.append(text_block(f"{self.text('desk.resolution')}: {case.resolution}"))
        data = {"case": case.case_id}
        actions: list[Card] = []
        if queued:
            actions.append(execute(self.text("slack_desk.take"), TAKE_VERB, data,
                                   style="positive"))  # fmt: skip
        if case.state in OPEN_CASE_STATES:
            actions.append(_dialog_button(self.text("slack_desk.add_note"), NOTE_VERB, data))
            actions.extend(self._manage(case, data))
            actions.append(_dialog_button(self.text("teams.close"), CLOSE_VERB, data))
        return card(body, actions)

    def _manage(self, case: CaseCard, data: dict[str, Any]) -> list[Card]:
        """Urgency and transfer (a small form under the card), hand back (one click)."""
        save = self.text("slack_desk.note_save")
        choices = [{"title": f"{n} – {self.text(f'handover.urgency_{n}')}", "value": str(n)}
                   for n in range(1, 5)]  # fmt: skip
        urgency = card(
            [{"type": "Input.ChoiceSet", "id": "urgency", "value": str(case.urgency),
              "choices": choices, "label": self.text("slack_desk.urgency")}],
            [execute(save, URGENCY_VERB, data)],
        )  # fmt: skip
        transfer = card(
            [{"type": "Input.Text", "id": "to", "isRequired": True,
              "label": self.text("teams.transfer_label")}],
            [execute(save, TRANSFER_VERB, data)],
        )  # fmt: skip
        shown = [
            {"type": "Action.ShowCard", "title": self.text("teams.urgency"), "card": urgency},
            {"type": "Action.ShowCard", "title": self.text("teams.transfer"), "card": transfer},
        ]
        if case.state == CaseState.TAKEN:
            shown.append(execute(self.text("teams.handback"), HANDBACK_VERB, data))
        return shown

    def dialog(self, verb: str, case_id: int) -> dict[str, Any]:
        """A ``task/fetch`` answer: the note (or closing) form for a case."""
        key = "note" if verb == NOTE_VERB else "close"
        form = card(
            [text_block(self.text(f"teams.{key}_hint", case=case_id), wrap=True),
             {"type": "Input.Text", "id": "text", "isMultiline": True, "isRequired": True,
              "label": self.text(f"teams.{key}_label"), "maxLength": 4000}],
            [{"type": "Action.Submit", "title": self.text("slack_desk.note_save"),
              "data": {"case": case_id, "verb": verb}}],
        )  # fmt: skip
        title = self.text(f"teams.{key}_title", case=case_id)
        return {"task": {"type": "continue", "value": {
            "title": title, "card": {"contentType": attachment(form).content_type,
                                     "content": form}}}}  # fmt: skip


def _dialog_button(title: str, verb: str, data: dict[str, Any]) -> Card:
    """An ``Action.Submit`` that opens a dialog (Teams' ``task/fetch``)."""
    return {"type": "Action.Submit", "title": title,
            "data": {**data, "verb": verb, "msteams": {"type": "task/fetch"}}}  # fmt: skip
