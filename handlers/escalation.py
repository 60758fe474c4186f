"""Hand-over to a person: a request for one, a problem report, an unhelpful answer.

A human case needs the user's data, so without consent the bot asks for it
first and remembers that the hand-over is waiting.
"""

from __future__ import annotations

from bot.core.state import Phase
from handlers import actions
from handlers.base import Result, Services, Turn, say
from handlers.handover import advance, prefill
from handlers.questions import consent_question
from knowledge.route import Outcome


async def start_handover(turn: Turn, services: Services) -> Result:
    """Begin the hand-over for a consented user: gather what is missing, then queue."""
    return await advance(turn, services, prefill(turn, services))


def ask_consent_for_handover(turn: Turn, services: Services) -> Result:
    question = consent_question(
        say(turn, services), services.settings.privacy_url, key="consent_text.needed_for_handover"
    )
    return Result(
        replies=(question,),
        state=turn.state.to(Phase.AWAITING_CONSENT, handover_pending=True),
        asks_consent=True,
    )


class Escalate:
    name = "escalate"

    def matches(self, turn: Turn) -> bool:
        if turn.action == actions.HANDOVER:
            return True
        if actions.article_of(turn.action, actions.HELPFUL_NO):
            return True
        return turn.route is not None and turn.route.outcome is Outcome.ESCALATE

    async def handle(self, turn: Turn, services: Services) -> Result:
        if not turn.consented:
            return ask_consent_for_handover(turn, services)
        return await start_handover(turn, services)
