"""Button values: what a click sends back, named in one place."""

from __future__ import annotations

CONSENT_ACCEPT = "consent:accept"
CONSENT_DECLINE = "consent:decline"
HANDOVER = "handover:start"
ERASE_ASK = "privacy:erase"
ERASE_YES = "erase:yes"
ERASE_NO = "erase:no"
ARTICLE = "article:"
HELPFUL_YES = "helpful:yes:"
HELPFUL_NO = "helpful:no:"


def article_of(action: str | None, prefix: str) -> str | None:
    """The article id a click carries, when the click has the given prefix."""
    if action and action.startswith(prefix):
        return action.removeprefix(prefix) or None
    return None
