"""What a user told before consent, held in this process's memory only.

Before consent nothing the user wrote is stored: the hand-over so far rides,
sealed, in a button's payload (``bot/engine/sealing.py``). A user who answers
the consent question by typing "kyllä" instead of clicking sends no payload
back, so the engine also holds the last payload it offered in a conversation,
in memory only (never in the database, gone with the process, forgotten once
consent is given or after an hour). Another process, or a restart, finds
nothing; the consent handler then points to the button instead.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from bot.core.contract import OutboundReply
from handlers.actions import PAYLOAD

# At most this many conversations' payloads (the oldest go first), each this long (s).
HELD_CONVERSATIONS = 10_000
HELD_SECONDS = 3600.0


def offered(replies: Sequence[OutboundReply]) -> str | None:
    """The first button value in ``replies`` that carries a payload (unsealed)."""
    return next((b.value for r in replies for b in r.buttons if PAYLOAD in b.value), None)


class HeldPayloads:
    """Per conversation key, the last payload offered before consent; bounded."""

    def __init__(self, *, limit: int = HELD_CONVERSATIONS, seconds: float = HELD_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._held: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._limit = limit
        self._seconds = seconds
        self._clock = clock

    def get(self, key: str) -> str | None:
        found = self._held.get(key)
        if found is None:
            return None
        if self._clock() - found[0] > self._seconds:
            del self._held[key]
            return None
        return found[1]

    def after_turn(self, key: str, replies: Sequence[OutboundReply], *, consented: bool,
                   open_question: bool) -> None:
        """Hold the payload this turn offered; forget it once consent is given, or when
        no question it belongs to is open any more (declined, moved on)."""
        value = offered(replies)
        if consented or (value is None and not open_question):
            self._held.pop(key, None)
        elif value is not None:
            self._held.pop(key, None)
            self._held[key] = (self._clock(), value)
            while len(self._held) > self._limit:
                self._held.popitem(last=False)
