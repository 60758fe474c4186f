"""Conversation state: the phase a conversation is in and what the bot keeps of it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from enum import StrEnum


class Phase(StrEnum):
    """Where a conversation is; :mod:`handlers.table` says which handlers serve each."""

    NEW = "new"
    AWAITING_CONSENT = "awaiting_consent"
    DECLINED = "declined"
    ACTIVE = "active"
    CONFIRM_ERASE = "confirm_erase"


def conversation_key(channel: str, conversation_id: str) -> str:
    """The stored key of a conversation: a digest, so no platform id is kept before consent."""
    return hashlib.sha256(f"{channel}\x1f{conversation_id}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ConversationState:
    """What is stored of a conversation before consent: its key, phase and language.

    ``handover_pending`` remembers that the user asked for a person while
    consent was still missing, so accepting goes straight on to the hand-over.
    """

    key: str
    channel: str
    phase: Phase = Phase.NEW
    lang: str = "fi"
    handover_pending: bool = False

    def to(self, phase: Phase, **changes: object) -> ConversationState:
        return replace(self, phase=phase, **changes)
