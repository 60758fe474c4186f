"""Conversation state: the phase a conversation is in and what the bot keeps of it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from enum import StrEnum

from bot.core.cases import OpenCase


class Phase(StrEnum):
    """Where a conversation is; :mod:`handlers.table` says which handlers serve each."""

    NEW = "new"
    AWAITING_CONSENT = "awaiting_consent"
    DECLINED = "declined"
    ACTIVE = "active"
    CONFIRM_ERASE = "confirm_erase"
    HANDOVER_PRODUCT = "handover_product"
    HANDOVER_URGENCY = "handover_urgency"
    HANDOVER_DESCRIPTION = "handover_description"
    HANDOVER_EXISTING = "handover_existing"
    HANDOVER_REFERENCE = "handover_reference"
    # No email is known (a web chat): asked after consent, for the entitlement check.
    HANDOVER_EMAIL = "handover_email"
    # A clarifying question is open: its choices are in the draft's ``menu``.
    CLARIFY = "clarify"
    QUEUED = "queued"
    WITH_AGENT = "with_agent"


HANDOVER_PHASES = frozenset(
    {Phase.HANDOVER_PRODUCT, Phase.HANDOVER_URGENCY, Phase.HANDOVER_DESCRIPTION,
     Phase.HANDOVER_EXISTING, Phase.HANDOVER_REFERENCE, Phase.HANDOVER_EMAIL}
)  # fmt: skip
# Questions answered with an address or a case number: the answer tells no language
# ("olli.operaattori@konepaja.fi" is not Finnish), so the conversation keeps its own.
VERBATIM_ANSWERS = frozenset({Phase.HANDOVER_EMAIL, Phase.HANDOVER_REFERENCE})


@dataclass(frozen=True, slots=True)
class HandoverDraft:
    """What the bot has gathered for an agent so far; stored only after consent."""

    product: str | None = None
    version: str | None = None
    urgency: int | None = None
    description: str | None = None
    existing: bool | None = None
    reference: str | None = None
    # The address typed during this hand-over; kept on the user once the case opens.
    email: str | None = None
    # The open question's choices (button values without payloads): nothing personal,
    # so they are kept before consent too, and a typed "2" finds its choice.
    menu: tuple[str, ...] = ()
    # The description is only the start of what the user wrote (it did not fit the
    # consent button): the hand-over says so and asks for the rest.
    cut: bool = False

    def impersonal(self) -> HandoverDraft | None:
        """What may be kept without consent: the open menu (which the engine seals, as its
        choices tell what the conversation is about), nothing the user wrote."""
        return HandoverDraft(menu=self.menu) if self.menu else None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | None) -> HandoverDraft | None:
        """The stored draft; unknown fields are dropped and a broken one is forgotten,
        so a release that changes the draft never strands a conversation."""
        if not raw:
            return None
        try:
            data = json.loads(raw)
            known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
            known["menu"] = tuple(str(v) for v in known.get("menu") or ())
            return cls(**known)
        except (ValueError, TypeError, AttributeError):
            return None


@dataclass(frozen=True, slots=True)
class ConversationState:
    """What is stored of a conversation: before consent only its key, phase and language.

    ``handover_pending`` remembers that the user asked for a person while
    consent was still missing, so accepting goes straight on to the hand-over.
    ``case`` is read from the cases table, never saved through the state.
    """

    key: str
    channel: str
    phase: Phase = Phase.NEW
    lang: str = "fi"
    handover_pending: bool = False
    draft: HandoverDraft | None = None
    case: OpenCase | None = None
    # Who started it (a keyed digest, bot/core/keys.py); None until the first message.
    owner: str | None = None

    def to(self, phase: Phase, **changes: object) -> ConversationState:
        return replace(self, phase=phase, **changes)  # type: ignore[arg-type]
