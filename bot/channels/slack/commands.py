"""``/tuki``: the agents' slash command, its words in Finnish and English, run on the desk.

Parsing is pure (``<verb> [#]<case> [rest]``); running a command asks the desk
and answers with the text only the agent sees. Non-agents are refused by the
desk before anything is parsed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core.cases import Receipt
from bot.core.desk_text import case_line
from bot.core.texts import Catalogue
from bot.desk.commands import Desk, DeskError
from bot.desk.typed import VERBS, Verb

COMMAND = "/tuki"


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


async def run_command(
    desk: Desk, email: str | None, text: str, *, texts: Catalogue, lang: str,
    clock: Callable[[], datetime], receipt: Receipt | None = None,
) -> str:  # fmt: skip
    """What the agent is told back: the outcome, the usage, or the desk's refusal."""
    try:
        desk.agent(email)
        command = parse_command(text)
        if command is None:
            return texts.get(lang, "slack_desk.usage")
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
