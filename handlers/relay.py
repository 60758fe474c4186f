"""While a case is open the bot relays instead of answering.

Queued: the customer's words join the case and the bot says so. Held by an
agent: the words go to the agent and the bot stays quiet. The engine stores
every message on the case (the user has consented: a case needs it).
"""

from __future__ import annotations

from bot.core.state import Phase
from handlers.base import Result, Services, Turn, say
from handlers.desk_events import customer_said
from handlers.handover import kit_of


class RelayToAgent:
    name = "relay"

    def matches(self, turn: Turn) -> bool:
        return turn.state.case is not None and turn.consented

    async def handle(self, turn: Turn, services: Services) -> Result:
        case = turn.state.case
        assert case is not None
        card = await services.session.case_card(case.id)
        said = turn.message.text.strip()
        if card is None or card.state not in ("queued", "taken"):
            # An agent closed or handed back the case while this message was on its way.
            reply = say(turn, services).reply("relay.case_ended")
            return Result(replies=(reply,), state=turn.state.to(Phase.ACTIVE, case=None))
        if said:
            await services.session.deliver(
                customer_said(services, kit_of(services), card, said), case_id=case.id, at=turn.now
            )
        if turn.state.phase is not Phase.QUEUED:  # with an agent (or an erase question)
            return Result(replies=(), state=turn.state)
        reply = say(turn, services).reply("handover.queued_ack", case=case.id)
        return Result(replies=(reply,), state=turn.state)
