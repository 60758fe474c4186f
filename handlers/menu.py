"""Menus that accept what people type: the number, the label, a synonym, or a way out.

A button is a shortcut, never the only way: on a channel without buttons, or
when someone simply writes "urgent, production is down", the same choice is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from handlers.words import CANCEL, fold


@dataclass(frozen=True, slots=True)
class Choice:
    """One option of a menu: the value its button sends, its label, and other words for it."""

    value: str
    label: str
    words: tuple[str, ...] = ()

    def names(self) -> Iterable[str]:
        yield fold(self.label)
        yield from (fold(w) for w in self.words)


def cancels(text: str) -> bool:
    """Whether a typed answer is a way out ("peruuta", "cancel", "avbryt")."""
    return fold(text) in CANCEL


def pick(text: str, choices: Sequence[Choice]) -> str | None:
    """The value of the choice a typed answer means, or None.

    The number of a choice, its label or a synonym said exactly; otherwise the
    longest label or synonym found in the answer as whole words, so that "not
    urgent" is not taken for "urgent" and "urgent, production is down" is level 1.
    """
    said = fold(text)
    if not said:
        return None
    number = said.removeprefix("#")
    if number.isdigit():
        index = int(number)
        return choices[index - 1].value if 1 <= index <= len(choices) else None
    for choice in choices:
        if said in set(choice.names()):
            return choice.value
    best: tuple[int, str] | None = None
    padded = f" {said} "
    for choice in choices:
        for name in choice.names():
            if name and f" {name} " in padded and (best is None or len(name) > best[0]):
                best = (len(name), choice.value)
    return best[1] if best else None
