"""A shared thread belongs to the person who started it (service description 1.8).

Someone else writing or clicking there gets a short private note; their words
are neither stored nor relayed, and the conversation stays as it was.
"""

from __future__ import annotations

from bot.core.contract import OutboundReply, ReplyKind
from handlers.base import Result, Services, Turn, say


class Bystander:
    name = "bystander"

    def matches(self, turn: Turn) -> bool:
        return turn.bystander

    async def handle(self, turn: Turn, services: Services) -> Result:
        note = OutboundReply(
            text=say(turn, services).text("bystander"),
            kind=ReplyKind.NOTICE,
            only_for=turn.message.sender.id,
        )
        return Result(replies=(note,), state=turn.state, keep_transcript=False)

