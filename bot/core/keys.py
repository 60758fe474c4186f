"""Keyed digests of platform ids, so stored rows cannot be linked back to a person.

A conversation's key and a conversation's owner are HMAC-SHA256 digests under a
secret kept outside the database (generated on first start, see
``bot.app.secret``): without the secret, neither an email nor a channel id
finds a row again, also after erasure.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Keys:
    """Digests of platform identities under one secret."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) < 16:
            raise ValueError("the key secret must be at least 16 bytes")

    def _digest(self, kind: str, *parts: str) -> str:
        message = "\x1f".join((kind, *parts)).encode("utf-8", "surrogatepass")
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def conversation(self, channel: str, conversation_id: str) -> str:
        """The stored key of a conversation."""
        return self._digest("conversation", channel, conversation_id)

    def person(self, channel: str, sender_id: str) -> str:
        """Who started a conversation, as stored before consent (no platform id kept)."""
        return self._digest("person", channel, sender_id)

    def correlation(self, channel: str, message_id: str) -> str:
        """A log line's correlation id for one platform message (16 hex digits)."""
        return self._digest("correlation", channel, message_id)[:16]
