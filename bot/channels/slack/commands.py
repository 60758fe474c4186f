"""``/tuki``: the agents' slash command, the desk's own typed verbs (``bot.desk.typed``).

Parsing is pure (``<verb> [#]<case> [rest]``, Finnish or English verbs); running a
command asks the desk and answers with the text only the agent sees. Non-agents are
refused by the desk before anything is parsed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.cases import Receipt
from bot.core.texts import Catalogue
from bot.desk.commands import Desk
from bot.desk.typed import TypedCommand, parse_typed, run_typed

COMMAND = "/tuki"


def parse_command(text: str) -> TypedCommand | None:
    """``/tuki`` text as a command; a slash command has no thread, so the case number is needed."""
    return parse_typed(text)


async def run_command(
    desk: Desk, email: str | None, text: str, *, texts: Catalogue, lang: str,
    clock: Callable[[], datetime], receipt: Receipt | None = None,
) -> str:  # fmt: skip
    """What the agent is told back: the outcome, the usage, or the desk's refusal."""
    return await run_typed(desk, email, text, texts=texts, lang=lang, clock=clock,
                           usage_key="slack_desk.usage", receipt=receipt)  # fmt: skip
