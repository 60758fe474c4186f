"""Which handlers serve which phase, in order: the whole conversation on one screen.

The first handler whose ``matches()`` holds takes the turn; if none does, the
fallback does (the explicit unhandled path).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.state import HANDOVER_PHASES, Phase
from handlers.answer import Helpful, KnowledgeAnswer, NoAnswer
from handlers.base import Handler
from handlers.consent import ConsentChoice, FirstContact
from handlers.escalation import Escalate
from handlers.fallback import Fallback
from handlers.handover import HandoverAnswer
from handlers.privacy import EraseConfirmation, PrivacyRequest
from handlers.relay import RelayToAgent
from handlers.scope import OutOfScope
from handlers.service_info import ServiceFeedback, ServiceInfo

FALLBACK = Fallback()
PRIVACY = PrivacyRequest()

# Serve a message by what it asks (its route) or which button it clicked.
ROUTED: tuple[Handler, ...] = (
    PRIVACY,
    ServiceFeedback(),
    ServiceInfo(),
    OutOfScope(),
    Escalate(),
    Helpful(),
    KnowledgeAnswer(),
    NoAnswer(),
)

PHASES: Mapping[Phase, Sequence[Handler]] = {
    Phase.NEW: (FirstContact(ROUTED, FALLBACK),),
    Phase.AWAITING_CONSENT: (ConsentChoice(), *ROUTED),
    Phase.DECLINED: (ConsentChoice(), *ROUTED),
    Phase.ACTIVE: (ConsentChoice(), *ROUTED),
    Phase.CONFIRM_ERASE: (EraseConfirmation(), ConsentChoice(), *ROUTED),
    # Consent can be withdrawn and data asked for at any time, mid-hand-over too.
    **{phase: (PRIVACY, HandoverAnswer()) for phase in HANDOVER_PHASES},
    Phase.QUEUED: (PRIVACY, RelayToAgent()),
    Phase.WITH_AGENT: (PRIVACY, RelayToAgent()),
}
