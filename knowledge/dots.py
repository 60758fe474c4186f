"""Finnish typed without dots ("kayttajaa", "viela", "pitaisko").

Vowel harmony says a Finnish word with front vowels has them throughout, so an
undotted word whose dotted twin (every a → ä, o → ö) is a Finnish word almost
always meant the twin: "kayttajaa" can only be "käyttäjää". Compounds mix the
two kinds of vowels, so they are restored part by part (``normalise.py``).
"""

from __future__ import annotations

from functools import lru_cache

from knowledge import dictionaries

FRONT = str.maketrans("ao", "äö")
_BACK_ONLY = frozenset("u")


@lru_cache(maxsize=200_000)
def _finnish(word: str) -> bool:
    return dictionaries.is_known(word, "fi")


def dottable(word: str) -> bool:
    """Could ``word`` be a Finnish word typed without its dots?"""
    return word.isascii() and ("a" in word or "o" in word) and not _BACK_ONLY & set(word)


def dotted(word: str) -> str:
    """``word`` with its dots when only the dotted form is a Finnish word
    ("paivittaa" → "päivittää"); otherwise as typed."""
    if not dottable(word) or _finnish(word):
        return word
    front = word.translate(FRONT)
    return front if _finnish(front) else word
