"""Consent (service description 1.8): asked once, briefly, where it matters.

Answers never wait for consent; storing does. The bot asks only when something
would be stored or a person is needed (a hand-over), and records the text the
user saw. Typed answers count only while the question is open.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.state import Phase
from handlers import actions
from handlers.base import Result, Services, Turn, say
from handlers.escalation import start_handover
from handlers.menu import cancels
from handlers.privacy import withdraw
from handlers.words import NO, YES, fold


def _asked(turn: Turn) -> bool:
    """Whether the consent question is the open one (typed answers belong to it)."""
    return turn.state.phase is Phase.AWAITING_CONSENT and turn.state.handover_pending


def _choice(turn: Turn) -> bool | None:
    if turn.action == actions.CONSENT_ACCEPT:
        return True
    if turn.action == actions.CONSENT_DECLINE:
        return False
    if turn.typed is not None and _asked(turn):
        answer = fold(turn.typed)
        if answer in YES:
            return True
        if answer in NO:
            return False
    return None


class ConsentChoice:
    """The user's answer to the consent question, clicked or typed (or a way out)."""

    name = "consent"

    def matches(self, turn: Turn) -> bool:
        if turn.typed is not None and _asked(turn) and cancels(turn.typed):
            return True
        return _choice(turn) is not None

    async def handle(self, turn: Turn, services: Services) -> Result:
        s = say(turn, services)
        choice = _choice(turn)
        if choice is None:  # "peruuta": the hand-over is off, nothing recorded either way
            return Result(replies=(s.reply("handover.cancelled"),), state=turn.rested())
        if not choice:
            state = turn.state.to(Phase.DECLINED, handover_pending=False, draft=None)
            if turn.user is not None and turn.user.consented:
                # Declining means not storing, everywhere: the consent this person gave
                # in another conversation goes too (their open cases close with it).
                await withdraw(turn, services, turn.user.id)
                reply = s.reply("consent_text.declined_withdrawn")
                return Result(replies=(reply,), state=state, keep_transcript=False)
            return Result(replies=(s.reply("consent_text.declined"),), state=state)
        carried = turn.carried
        for_handover = carried is not None or turn.state.handover_pending
        if carried is None and turn.typed is not None and turn.state.handover_pending:
            # A typed "kyllä" and no payload held here (another process answered, or a
            # restart): what the user told rides only in the button, so point to it.
            return Result(replies=(s.reply("told_before.use_the_button"),), state=turn.state)
        if turn.consented:
            if for_handover:
                return await start_handover(turn, services, carried)
            reply = s.reply("consent_text.already")
            return Result(replies=(reply,), state=turn.state.to(Phase.ACTIVE))
        # The hand-over asks with its own wording; record the text this user saw.
        shown = "consent_text.needed_for_handover" if for_handover else "consent_text.question"
        user = await services.session.record_consent(
            sender=turn.message.sender,
            address=turn.message.address,
            text_version=s.text("consent.version"),
            text_fingerprint=services.texts.version(turn.lang, shown, **s.extra),
            lang=turn.lang,
            at=turn.now,
        )
        accepted = replace(turn, user=user, state=turn.state.to(Phase.ACTIVE))
        if for_handover:
            result = await start_handover(accepted, services, carried)
            told = carried.description if carried is not None else None
            return replace(result, told_before=told) if told else result
        return Result(replies=(s.reply("consent_text.accepted"),), state=accepted.state)
