"""Desk events and cases as text, for agent surfaces that draw no cards (the terminal)."""

from __future__ import annotations

from datetime import datetime

from bot.core.cases import CaseCard, DeskEvent, DeskEventKind
from bot.core.records import Direction, StoredMessage
from bot.core.texts import Catalogue
from bot.core.timefmt import day_and_time

LINE_KEYS = {
    Direction.CUSTOMER: "desk.customer_said",
    Direction.BOT: "desk.bot_said",
    Direction.AGENT: "desk.agent_said",
    Direction.NOTE: "desk.note_said",
}


def message_line(texts: Catalogue, lang: str, message: StoredMessage) -> str:
    return texts.get(lang, LINE_KEYS[message.direction], text=message.text)


def state_text(texts: Catalogue, lang: str, card: CaseCard) -> str:
    name = card.holder_name or card.holder or ""
    return texts.get(lang, f"desk.state_{card.state}", name=name)


def case_line(texts: Catalogue, lang: str, card: CaseCard, now: datetime) -> str:
    """One line per case: number, urgency, who, what, target and state."""
    return texts.get(
        lang,
        "desk.case_line",
        case=card.case_id,
        urgency=texts.get(lang, f"handover.urgency_{card.urgency}"),
        organisation=card.organisation or "?",
        customer=card.customer or "?",
        product=f"{card.product} {card.version}" if card.version else card.product,
        due=day_and_time(card.due_at, "en" if lang == "en" else "fi", now),
        state=state_text(texts, lang, card),
    )


def event_text(texts: Catalogue, lang: str, event: DeskEvent, now: datetime) -> str:
    if event.kind is DeskEventKind.CASE_ERASED:  # the notice names only the case
        return "\n".join(event.lines)
    head = case_line(texts, lang, event.card, now)
    if event.kind is DeskEventKind.CASE_OPENED:
        title = texts.get(lang, "desk.new_case", case=event.card.case_id)
        head = f"{title}\n{head}\n{event.card.summary}"
    return "\n".join((head, *event.lines))
