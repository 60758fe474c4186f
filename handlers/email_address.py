"""The email address a customer types when the hand-over needs one.

People write "matti@firma.fi", "<matti@firma.fi>" or "se on matti@firma.fi.":
the one address in the answer counts; anything else is asked again.
"""

from __future__ import annotations

import re

# Deliberately plain: one @, no spaces, a dotted domain ending in letters. The register
# decides whether the address means anything; this only catches what cannot be one.
ADDRESS = re.compile(r"[^\s@]+@(?:[\w-]+\.)+[^\W\d_]{2,63}")
# What may wrap an address in a sentence: "<matti@firma.fi>", "(matti@firma.fi),".
SEPARATORS = re.compile(r"[\s,;<>()\[\]\"']+")
MAX_LENGTH = 254


def email_in(text: str) -> str | None:
    """The single email address in a typed answer, or None (none, several, too long)."""
    words = (w.strip(".:!?") for w in SEPARATORS.split(text))
    found = {w.casefold() for w in words if "@" in w}
    if len(found) != 1:
        return None
    address = found.pop()
    if not ADDRESS.fullmatch(address) or len(address) > MAX_LENGTH or ".." in address:
        return None
    return address
