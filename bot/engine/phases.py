"""The one place where a conversation's phase is derived from its case.

Storage keeps what the engine saved; the cases table says whether a case is
open. Every turn reads the conversation through :func:`phase_of`, so every
handler sees the same truth.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.cases import CaseState, OpenCase
from bot.core.state import ConversationState, Phase

# Questions about the user's own data outrank the case: the answer to "really erase?"
# must reach the erasure, not the agent.
PRIVACY_QUESTIONS = frozenset({Phase.CONFIRM_ERASE})
CASE_PHASES = frozenset({Phase.QUEUED, Phase.WITH_AGENT})


def phase_of(saved: ConversationState, case: OpenCase | None) -> ConversationState:
    """The conversation as a turn sees it: queued or with an agent while its case is
    open (unless a privacy question is pending), back to active once the case ended."""
    if case is not None:
        if saved.phase in PRIVACY_QUESTIONS:
            return replace(saved, case=case)
        phase = Phase.WITH_AGENT if case.state is CaseState.TAKEN else Phase.QUEUED
        return replace(saved, phase=phase, case=case)
    if saved.phase in CASE_PHASES:
        # The case was closed or handed back since the last turn.
        return replace(saved, phase=Phase.ACTIVE, case=None)
    return replace(saved, case=None)
