"""Keyed digests of platform ids, so stored rows cannot be linked back to a person.

A conversation's key and a conversation's owner are HMAC-SHA256 digests under a
secret kept outside the database (generated on first start, see
``bot.app.secret``): without the secret, neither an email nor a channel id
finds a row again, also after erasure.

The same secret seals what a button carries before consent (the problem in the
user's words): the reply waits in the outbox and the click in the inbox only as
an AES-GCM token that nobody reads without the secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import zlib
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

    def _seal_key(self) -> bytes:
        return hmac.new(self.secret, b"button-payload", hashlib.sha256).digest()

    def seal(self, text: str) -> str:
        """``text`` compressed and encrypted as a URL-safe token (authenticated)."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # only when used

        nonce = os.urandom(12)
        sealed = AESGCM(self._seal_key()).encrypt(nonce, zlib.compress(text.encode("utf-8")), None)
        return base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")

    def unseal(self, token: str) -> str | None:
        """The text of a token from :meth:`seal`; None if it was altered or is not ours."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            plain = AESGCM(self._seal_key()).decrypt(raw[:12], raw[12:], None)
            return zlib.decompress(plain).decode("utf-8")
        except (InvalidTag, ValueError, binascii.Error, zlib.error, UnicodeDecodeError):
            return None
