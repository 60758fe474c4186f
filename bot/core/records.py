"""Plain records of what is stored about people: users, consents, transcripts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Direction(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    text_version: str
    text_fingerprint: str
    lang: str
    given_at: datetime
    withdrawn_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    channel: str
    external_id: str
    name: str | None
    email: str | None
    consent: ConsentRecord | None

    @property
    def consented(self) -> bool:
        return self.consent is not None and self.consent.active


@dataclass(frozen=True, slots=True)
class StoredMessage:
    at: datetime
    direction: Direction
    text: str


@dataclass(frozen=True, slots=True)
class UserExport:
    """Everything stored about one user, as the privacy export shows it."""

    user: UserRecord
    consents: tuple[ConsentRecord, ...]
    conversations: int
    messages: tuple[StoredMessage, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "user": {
                "channel": self.user.channel,
                "id": self.user.external_id,
                "name": self.user.name,
                "email": self.user.email,
            },
            "consents": [
                {
                    "text_version": c.text_version,
                    "text_fingerprint": c.text_fingerprint,
                    "lang": c.lang,
                    "given_at": c.given_at.isoformat(),
                    "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
                }
                for c in self.consents
            ],
            "conversations": self.conversations,
            "messages": [
                {"at": m.at.isoformat(), "direction": m.direction.value, "text": m.text}
                for m in self.messages
            ],
        }
