"""A typed answer to "did this help?": "kyllä" is a thanks, "ei" or "a person" a hand-over.

The question's two choices are the open menu (article ids only, nothing personal);
any other typed text is a new message and closes the question.
"""

from __future__ import annotations

from dataclasses import replace

from handlers import actions
from handlers.answer import Helpful
from handlers.base import Result, Services, Turn
from handlers.escalation import Escalate
from handlers.words import NO, PERSON, YES, fold

YES_WORDS = YES | {"1", "kylla kiitos", "yes thanks", "ja tack", "auttoi", "it helped", "it did"}
NO_WORDS = NO | PERSON | {"2", "ei auttanut", "ei auta", "didn't help", "it didn't", "no it didn't",
                          "hjalpte inte", "nej det hjalpte inte"}  # fmt: skip


def _choice(turn: Turn) -> str | None:
    """The helpful button a typed answer means, while the question is open."""
    menu = turn.state.draft.menu if turn.state.draft else ()
    said = fold(turn.typed) if turn.typed is not None else ""
    if not said:
        return None
    wanted = actions.HELPFUL_YES if said in YES_WORDS else None
    wanted = actions.HELPFUL_NO if said in NO_WORDS else wanted
    return next((v for v in menu if wanted and v.startswith(wanted)), None)


class HelpfulTyped:
    name = "helpful-typed"

    def matches(self, turn: Turn) -> bool:
        return _choice(turn) is not None

    async def handle(self, turn: Turn, services: Services) -> Result:
        value = _choice(turn)
        assert value is not None
        clicked = replace(turn, message=replace(turn.message, action=value), route=None)
        if value.startswith(actions.HELPFUL_YES):
            return await Helpful().handle(clicked, services)
        return await Escalate().handle(clicked, services)
