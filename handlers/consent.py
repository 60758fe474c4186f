"""Consent (service description 1.8): asked at first contact, recorded as shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.core.state import Phase
from handlers import actions
from handlers.base import Handler, Result, Services, Turn, say, typed
from handlers.escalation import start_handover
from handlers.privacy import withdraw
from handlers.questions import consent_question
from handlers.words import NO, YES


def _choice(turn: Turn) -> bool | None:
    if turn.action == actions.CONSENT_ACCEPT:
        return True
    if turn.action == actions.CONSENT_DECLINE:
        return False
    if turn.action is None and turn.state.phase is Phase.AWAITING_CONSENT:
        answer = typed(turn.message.text)
        if answer in YES:
            return True
        if answer in NO:
            return False
    return None


class ConsentChoice:
    """The user's answer to the consent question, clicked or typed."""

    name = "consent"

    def matches(self, turn: Turn) -> bool:
        return _choice(turn) is not None

    async def handle(self, turn: Turn, services: Services) -> Result:
        s = say(turn, services)
        if not _choice(turn):
            state = turn.state.to(Phase.DECLINED, handover_pending=False, draft=None)
            if turn.user is not None and turn.user.consented:
                # Declining means not storing, everywhere: the consent this person gave
                # in another conversation goes too (their open cases close with it).
                await withdraw(turn, services, turn.user.id)
                reply = s.reply("consent_text.declined_withdrawn")
                return Result(replies=(reply,), state=state, keep_transcript=False)
            return Result(replies=(s.reply("consent_text.declined"),), state=state)
        if turn.consented:
            return Result(
                replies=(s.reply("consent_text.already"),), state=turn.state.to(Phase.ACTIVE)
            )
        # The hand-over asks with its own wording; record the text this user saw.
        shown = (
            "consent_text.needed_for_handover"
            if turn.state.handover_pending
            else "consent_text.question"
        )
        user = await services.session.record_consent(
            sender=turn.message.sender,
            address=turn.message.address,
            text_version=s.text("consent.version"),
            text_fingerprint=services.texts.version(turn.lang, shown, **s.extra),
            lang=turn.lang,
            at=turn.now,
        )
        accepted = replace(turn, user=user, state=turn.state.to(Phase.ACTIVE))
        if turn.state.handover_pending:
            return await start_handover(accepted, services)
        return Result(replies=(s.reply("consent_text.accepted"),), state=accepted.state)


class FirstContact:
    """The first message of a conversation: greet, serve the message, ask for consent.

    Answers never wait for consent; storing does. A user who consented in an
    earlier conversation is not asked again.
    """

    name = "first-contact"

    def __init__(self, routed: Sequence[Handler], fallback: Handler) -> None:
        self._routed = tuple(routed)
        self._fallback = fallback

    def matches(self, turn: Turn) -> bool:
        return True

    async def handle(self, turn: Turn, services: Services) -> Result:
        inner = next((h for h in self._routed if h.matches(turn)), self._fallback)
        result = await inner.handle(turn, services)
        if turn.consented:
            phase = Phase.ACTIVE if result.state.phase is Phase.NEW else result.state.phase
            return replace(result, state=result.state.to(phase))
        s = say(turn, services)
        greeting = s.reply("greeting")
        replies = (greeting, *result.replies)
        if not result.asks_consent:
            replies = (*replies, consent_question(s, services.settings.privacy_url))
        phase = Phase.AWAITING_CONSENT if result.state.phase is Phase.NEW else result.state.phase
        return replace(result, replies=replies, state=result.state.to(phase), asks_consent=True)
