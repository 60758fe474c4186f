"""Button values: what a click sends back, named in one place.

A button may carry a payload after ``|``: the hand-over gathered so far (the
problem in the user's words, the product). Before consent nothing of it is
stored; the platform holds it in the button and hands it back with the click.
"""

from __future__ import annotations

import json

from bot.core.state import HandoverDraft

CONSENT_ACCEPT = "consent:accept"
CONSENT_DECLINE = "consent:decline"
HANDOVER = "handover:start"
ERASE_ASK = "privacy:erase"
ERASE_YES = "erase:yes"
ERASE_NO = "erase:no"
ARTICLE = "article:"
HELPFUL_YES = "helpful:yes:"
HELPFUL_NO = "helpful:no:"
READING = "reading:"
PAYLOAD = "|"
# Slack takes at most 2000 characters as a button's value, and the engine seals the
# payload (compressed, encrypted, base64): 600 characters fit even uncompressible.
DESCRIPTION_LIMIT = 600
_CARRIED = ("product", "version", "description")


def article_of(action: str | None, prefix: str) -> str | None:
    """The article id a click carries, when the click has the given prefix."""
    if action and action.startswith(prefix):
        return action.removeprefix(prefix) or None
    return None


def bare(action: str | None) -> str | None:
    """A button's value without its payload."""
    return action.split(PAYLOAD, 1)[0] if action else action


def with_payload(value: str, draft: HandoverDraft | None) -> str:
    """The value with the hand-over so far riding along (an empty one still says
    "continue to the hand-over after this click")."""
    carried = {k: getattr(draft, k) for k in _CARRIED if draft and getattr(draft, k)}
    if len(carried.get("description") or "") > DESCRIPTION_LIMIT:
        carried["description"] = carried["description"][: DESCRIPTION_LIMIT - 1] + "…"
    return value + PAYLOAD + json.dumps(carried, ensure_ascii=False, separators=(",", ":"))


def payload_of(action: str | None) -> HandoverDraft | None:
    """The hand-over a click carried back; None when the button carried nothing.
    A payload is the user's own words handed back by the platform: read, never trusted."""
    if not action or PAYLOAD not in action:
        return None
    try:
        data = json.loads(action.split(PAYLOAD, 1)[1])
    except ValueError:
        return HandoverDraft()
    if not isinstance(data, dict):
        return HandoverDraft()
    fields = {k: str(data[k])[:DESCRIPTION_LIMIT] for k in _CARRIED if data.get(k)}
    return HandoverDraft(**fields)
