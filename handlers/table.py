"""Which handlers serve which phase, in order: the whole conversation on one screen.

The first handler whose ``matches()`` holds takes the turn; if none does, the
fallback does (the explicit unhandled path).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.state import HANDOVER_PHASES, Phase
from handlers.answer import Helpful, KnowledgeAnswer, NoAnswer
from handlers.base import Handler
from handlers.bystander import Bystander
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

RELAY = RelayToAgent()
# Someone else in a shared thread: a private note, nothing stored, in every phase.
BYSTANDER = Bystander()

PHASES: Mapping[Phase, Sequence[Handler]] = {
    Phase.NEW: (BYSTANDER, FirstContact(ROUTED, FALLBACK)),
    Phase.AWAITING_CONSENT: (BYSTANDER, ConsentChoice(), *ROUTED),
    Phase.DECLINED: (BYSTANDER, ConsentChoice(), *ROUTED),
    Phase.ACTIVE: (BYSTANDER, ConsentChoice(), *ROUTED),
    # With a case open, anything but the answer still reaches the agent.
    Phase.CONFIRM_ERASE: (BYSTANDER, EraseConfirmation(), RELAY, ConsentChoice(), *ROUTED),
    # Consent can be withdrawn and data asked for at any time, mid-hand-over too.
    **{phase: (BYSTANDER, PRIVACY, HandoverAnswer()) for phase in HANDOVER_PHASES},
    Phase.QUEUED: (BYSTANDER, PRIVACY, RELAY),
    Phase.WITH_AGENT: (BYSTANDER, PRIVACY, RELAY),
}
