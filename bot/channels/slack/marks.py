"""How the agents' channel marks things: the case a card belongs to, the card's buttons,
and a thread message meant as an internal note."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

CASE_EVENT = "supportbot_case"
TAKE_ACTION = "tuki.desk.take"
NOTE_ACTION = "tuki.desk.note"
NOTE_VIEW = "tuki.desk.note"
DUE_SOON = timedelta(minutes=30)
HISTORY_PAGES = 10

_NOTE = re.compile(
    r"^\s*(?:(?:note|notes|internal|muistiinpano|muistio|sisäinen)\b\s*[:\-–]?|//)\s*",
    re.IGNORECASE,
)


def note_of(text: str) -> str | None:
    """The note, if an agent's thread message is marked as one (then it is never sent)."""
    match = _NOTE.match(text)
    return text[match.end() :].strip() if match else None



def case_of(message: Mapping[str, Any]) -> int | None:
    """The case id a message of the agents' channel carries in its metadata, if any."""
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != CASE_EVENT:
        return None
    case_id = (metadata.get("event_payload") or {}).get("case_id")
    return int(case_id) if isinstance(case_id, int | str) and str(case_id).isdigit() else None
