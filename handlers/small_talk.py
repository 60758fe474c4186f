"""Small talk: greetings, thanks, goodbyes and "ok" get a short natural reply.

No article, no "shall I pass you on", no consent block: a support engineer
answers "kiitos" with "ole hyvä", not with a form.
"""

from __future__ import annotations

from bot.core.contract import OutboundReply
from bot.core.state import Phase
from handlers.base import Result, Services, Turn, say
from knowledge.route import Outcome, SmallTalk


def is_small_talk(turn: Turn) -> bool:
    return turn.route is not None and turn.route.outcome is Outcome.SMALL_TALK


class SmallTalkReply:
    name = "small-talk"

    def matches(self, turn: Turn) -> bool:
        return turn.action is None and is_small_talk(turn)

    async def handle(self, turn: Turn, services: Services) -> Result:
        s = say(turn, services)
        kind = (turn.route.small_talk if turn.route else None) or SmallTalk.ACK
        key = f"talk.{kind.value}"
        if kind is SmallTalk.GREETING and turn.state.phase is Phase.NEW:
            key = "greeting"  # who the bot is, once, then "how can I help?"
        elif turn.state.phase is Phase.QUEUED and kind is not SmallTalk.GREETING:
            key = "talk.queued"  # the case is waiting: say so, don't relay "kiitos"
        state = turn.state if turn.state.phase is Phase.QUEUED else turn.rested()
        return Result(replies=(OutboundReply(text=s.text(key)),), state=state)
