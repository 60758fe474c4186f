"""Requests outside the service (service description 1.7): a polite, reasoned decline."""

from __future__ import annotations

from bot.core.contract import OutboundReply
from handlers.base import Result, Services, Turn, say
from knowledge.route import Outcome

REASONS = ("other_vendor", "training", "development", "installation", "onsite", "infrastructure")


class OutOfScope:
    name = "out-of-scope"

    def matches(self, turn: Turn) -> bool:
        return turn.route is not None and turn.route.outcome is Outcome.OUT_OF_SCOPE

    async def handle(self, turn: Turn, services: Services) -> Result:
        s = say(turn, services)
        reason = (
            turn.route.reason if turn.route and turn.route.reason in REASONS else "other_vendor"
        )
        text = f"{s.text('out_of_scope.intro')} {s.text(f'out_of_scope.{reason}')}"
        return Result(replies=(OutboundReply(text=text),), state=turn.rested())
