"""Button values: what a click sends back, named in one place.

A button may carry a payload after ``|``: the hand-over gathered so far (the
problem in the user's words, the product). Before consent nothing of it is
stored; the platform holds it in the button and hands it back with the click.
"""

from __future__ import annotations

import json
import math
import zlib

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
# payload: zlib-compressed, AES-GCM with a 12-byte nonce and a 16-byte tag, base64
# (bot/core/keys.py), so its sealed size is known before it is sealed. A description
# is carried whole when it fits (about 3,000 characters of ordinary prose do), else
# its start with ``cut`` set, and the hand-over says so instead of cutting silently.
BUTTON_LIMIT = 2000
_SEAL_OVERHEAD = 12 + 16
_SEALED_MARK = 2  # the payload separator and the sealed token's prefix
# What a payload handed back may hold at most (it is read, never trusted); longer is
# cut, and marked so.
DESCRIPTION_LIMIT = 20_000
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
    "continue to the hand-over after this click"), whole: :func:`fitted` makes it fit
    a button when the engine seals it."""
    carried = {k: getattr(draft, k) for k in _CARRIED if draft and getattr(draft, k)}
    return value + PAYLOAD + _dumps(carried)


def fitted(value: str) -> str:
    """A button value whose payload fits a button once sealed: a description too long
    for it keeps its longest start that fits, marked ``cut``."""
    head, sep, payload = value.partition(PAYLOAD)
    if not sep:
        return value
    try:
        carried = json.loads(payload)
    except ValueError:
        return head
    if not isinstance(carried, dict) or _fits(head, carried):
        return value
    text = str(carried.get("description") or "")
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if _fits(head, {**carried, "description": text[:middle] + "…", "cut": 1}):
            low = middle
        else:
            high = middle - 1
    return head + PAYLOAD + _dumps({**carried, "description": text[:low] + "…", "cut": 1})


def _dumps(carried: dict[str, object] | dict[str, str]) -> str:
    return json.dumps(carried, ensure_ascii=False, separators=(",", ":"))


def _fits(value: str, carried: dict[str, object]) -> bool:
    """Whether the value with ``carried`` sealed fits a button (Slack's limit)."""
    packed = len(zlib.compress(_dumps(carried).encode("utf-8"))) + _SEAL_OVERHEAD
    return len(value) + _SEALED_MARK + math.ceil(packed * 4 / 3) <= BUTTON_LIMIT


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
    found = {k: str(data[k]) for k in _CARRIED if data.get(k)}
    fields = {k: v[:DESCRIPTION_LIMIT] for k, v in found.items()}
    return HandoverDraft(**fields, cut=bool(data.get("cut")) or fields != found)
