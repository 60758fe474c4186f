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
from handlers.clarify import AskClarify, ClarifyChoice
from handlers.consent import ConsentChoice
from handlers.escalation import Escalate
from handlers.fallback import Fallback
from handlers.handover import HandoverAnswer
from handlers.helpful import HelpfulTyped
from handlers.privacy import EraseConfirmation, PrivacyRequest
from handlers.relay import RelayToAgent
from handlers.scope import OutOfScope
from handlers.service_info import ServiceFeedback, ServiceInfo
from handlers.small_talk import SmallTalkReply

FALLBACK = Fallback()
PRIVACY = PrivacyRequest()
SMALL_TALK = SmallTalkReply()

# Serve a message by what it asks (its route) or which button it clicked.
BY_ROUTE: tuple[Handler, ...] = (
    PRIVACY,
    HelpfulTyped(),
    AskClarify(),
    SMALL_TALK,
    ServiceFeedback(),
    ServiceInfo(),
    OutOfScope(),
    Escalate(),
    Helpful(),
    KnowledgeAnswer(),
    NoAnswer(),
)
# A clarifying question's answer continues with the chosen reading as if routed so.
ROUTED: tuple[Handler, ...] = (ClarifyChoice(BY_ROUTE, FALLBACK), *BY_ROUTE)

RELAY = RelayToAgent()
# Someone else in a shared thread: a private note, nothing stored, in every phase.
BYSTANDER = Bystander()
# Consent is asked only before a hand-over; its buttons work in any phase but a case's.
TALK = (BYSTANDER, ConsentChoice(), *ROUTED)

PHASES: Mapping[Phase, Sequence[Handler]] = {
    Phase.NEW: TALK,
    Phase.AWAITING_CONSENT: TALK,
    Phase.DECLINED: TALK,
    Phase.ACTIVE: TALK,
    Phase.CLARIFY: TALK,
    # With a case open, anything but the answer still reaches the agent.
    Phase.CONFIRM_ERASE: (BYSTANDER, EraseConfirmation(), RELAY, ConsentChoice(), *ROUTED),
    # Consent can be withdrawn and data asked for at any time, mid-hand-over too.
    **{phase: (BYSTANDER, PRIVACY, HandoverAnswer()) for phase in HANDOVER_PHASES},
    # Waiting in the queue, "kiitos" gets a word back instead of joining the case.
    Phase.QUEUED: (BYSTANDER, PRIVACY, SMALL_TALK, RELAY),
    Phase.WITH_AGENT: (BYSTANDER, PRIVACY, RELAY),
}
