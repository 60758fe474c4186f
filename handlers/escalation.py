"""Hand-over to a person: a request for one, a problem report, an unhelpful answer.

A human case needs the user's data, so without consent the bot asks for it
first. What the user already told (the problem, the product) is not stored
before consent: it rides in the consent button's payload and comes back with
the click, so the hand-over continues from it without asking again.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.state import HandoverDraft, Phase
from handlers import actions
from handlers.base import Result, Services, Turn, say
from handlers.handover import advance, kit_of, prefill
from handlers.questions import consent_question
from knowledge.route import Outcome


def gathered(turn: Turn, services: Services, carried: HandoverDraft | None = None) -> HandoverDraft:
    """What this turn and the click's payload already tell about the matter."""
    found = prefill(turn, services)
    carried = carried or turn.carried
    if carried is None:
        return found
    products = kit_of(services).products
    product = products.canonical(carried.product) if carried.product else None
    return replace(
        found,
        product=found.product or product,
        version=found.version or carried.version,
        description=found.description or carried.description,
        cut=not found.description and carried.cut,
    )


async def start_handover(
    turn: Turn, services: Services, carried: HandoverDraft | None = None
) -> Result:
    """Begin the hand-over for a consented user: gather what is missing, then queue."""
    return await advance(turn, services, gathered(turn, services, carried))


def ask_consent_for_handover(turn: Turn, services: Services) -> Result:
    question = consent_question(
        say(turn, services),
        services.settings.privacy_url,
        key="consent_text.needed_for_handover",
        carry=gathered(turn, services),
    )
    return Result(
        replies=(question,),
        state=turn.state.to(Phase.AWAITING_CONSENT, handover_pending=True, draft=None),
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
