"""The explicit unhandled path: nothing is dropped silently."""

from __future__ import annotations

from handlers.base import Result, Services, Turn, say


class Fallback:
    name = "fallback"

    def matches(self, turn: Turn) -> bool:
        return True

    async def handle(self, turn: Turn, services: Services) -> Result:
        s = say(turn, services)
        return Result(replies=(s.reply("fallback"),), state=turn.rested())
