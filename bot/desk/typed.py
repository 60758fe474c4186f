"""Desk commands typed as text (``take 12``, ``sulje 12 korjattu``), for any agent surface.

Parsing is pure (``<verb> [#]<case> [rest]``, Finnish or English verbs); running
a command asks the desk and answers with the text the agent sees. Non-agents
are refused by the desk before anything is parsed. Slack's ``/tuki`` and Teams'
bot commands speak the same words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.cases import Receipt
from bot.core.desk_text import case_line
from bot.core.texts import Catalogue
from bot.desk.commands import Desk
from bot.desk.errors import DeskError


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
class TypedCommand:
    verb: Verb
    case_id: int | None
    rest: str


def parse_typed(text: str, *, case_id: int | None = None) -> TypedCommand | None:
    """``<verb> [#]<case> [rest]``; in a case's own thread (``case_id``) the number may be
    left out. None when the text is not a command."""
    words = text.strip().split(maxsplit=1)
    if not words or words[0].lower() not in VERBS:
        return None
    verb = VERBS[words[0].lower()]
    if verb is Verb.QUEUE:
        return TypedCommand(verb, None, "")
    tail = words[1].strip() if len(words) > 1 else ""
    first, _, rest = tail.partition(" ")
    number = first.lstrip("#")
    if number.isdigit() and (case_id is None or verb is not Verb.URGENCY or rest):
        return TypedCommand(verb, int(number), rest.strip())
    if case_id is not None:
        return TypedCommand(verb, case_id, tail)
    return None


async def run_typed(
    desk: Desk, email: str | None, text: str, *, texts: Catalogue, lang: str,
    clock: Callable[[], datetime], usage_key: str, case_id: int | None = None,
    receipt: Receipt | None = None,
) -> str:  # fmt: skip
    """What the agent is told back: the outcome, the usage, or the desk's refusal."""
    try:
        desk.agent(email)
        command = parse_typed(text, case_id=case_id)
        if command is None:
            return texts.get(lang, usage_key)
        case, rest = command.case_id or 0, command.rest
        match command.verb:
            case Verb.QUEUE:
                cards = await desk.queue(email)
                lines = [case_line(texts, lang, card, clock()) for card in cards]
                return "\n".join(lines) or texts.get(lang, "slack_desk.queue_empty")
            case Verb.TAKE:
                outcome = await desk.take(email, case, receipt=receipt)
            case Verb.REPLY:
                outcome = await desk.reply(email, case, rest, receipt=receipt)
            case Verb.NOTE:
                outcome = await desk.note(email, case, rest, receipt=receipt)
            case Verb.URGENCY:
                level = int(rest) if rest.isdigit() else 0
                outcome = await desk.set_urgency(email, case, level, receipt=receipt)
            case Verb.HANDBACK:
                outcome = await desk.hand_back(email, case, receipt=receipt)
            case Verb.TRANSFER:
                outcome = await desk.transfer(email, case, rest, receipt=receipt)
            case Verb.CLOSE:
                outcome = await desk.close(email, case, rest, receipt=receipt)
        return outcome.message
    except DeskError as refusal:
        return str(refusal)
