"""Typed short answers the bot understands, in Finnish, English and Swedish."""

from __future__ import annotations

# Typed yes/no answers; anything longer is read as a new question.
YES = frozenset(
    {"kyllä", "kylla", "joo", "juu", "hyväksyn", "hyväksyn sen", "ok", "okei", "sopii",
     "käy", "kyllä käy", "kyllä sopii", "yes", "y", "yes please", "i agree", "agree",
     "accept", "i accept", "sure", "ok sure", "fine", "ja"}
)  # fmt: skip
NO = frozenset(
    {"ei", "en", "en hyväksy", "ei käy", "ei sovi", "ei kiitos", "en halua", "no",
     "n", "no thanks", "i don't agree", "i do not agree", "decline", "i decline", "nej"}
)  # fmt: skip
