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


def _message(m: StoredMessage) -> dict[str, object]:
    return {"at": m.at.isoformat(), "direction": m.direction.value, "text": m.text}


@dataclass(frozen=True, slots=True)
class CaseExport:
    """One case about the user, with its whole transcript (internal notes included)."""

    id: int
    product: str
    version: str | None
    urgency: int
    state: str
    organisation: str | None
    description: str
    arrived_at: datetime
    closed_at: datetime | None
    resolution: str | None
    transcript: tuple[StoredMessage, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "product": self.product,
            "version": self.version,
            "urgency": self.urgency,
            "state": self.state,
            "organisation": self.organisation,
            "description": self.description,
            "arrived_at": self.arrived_at.isoformat(),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "resolution": self.resolution,
            "transcript": [_message(m) for m in self.transcript],
        }


@dataclass(frozen=True, slots=True)
class OutboxExport:
    """A message stored for delivery to the user (or to agents about their case)."""

    at: datetime
    channel: str
    recipient: str
    delivered: bool
    texts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UserExport:
    """Everything stored about one user, as the privacy export shows it."""

    user: UserRecord
    consents: tuple[ConsentRecord, ...]
    conversations: int
    messages: tuple[StoredMessage, ...]
    cases: tuple[CaseExport, ...] = ()
    outbox: tuple[OutboxExport, ...] = ()

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
            "messages": [_message(m) for m in self.messages],
            "cases": [c.as_json() for c in self.cases],
            "outbox": [
                {
                    "at": o.at.isoformat(),
                    "channel": o.channel,
                    "recipient": o.recipient,
                    "delivered": o.delivered,
                    "texts": list(o.texts),
                }
                for o in self.outbox
            ],
        }


@dataclass(frozen=True, slots=True)
class Erasure:
    """What an erasure removed: how many rows, and which cases (their copies on agent
    surfaces are deleted too)."""

    rows: int
    cases: tuple[int, ...] = ()


class PrivacyRequest(StrEnum):
    """Which request an audit record is about."""

    ERASE = "erase"
    WITHDRAW = "withdraw"
    EXPORT = "export"
    PURGE = "purge"
