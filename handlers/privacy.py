"""The user's own data: withdraw consent, export, erase (erasure asks first)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.core.cases import CaseCard, Delivery, DeskEvent, DeskEventKind, Recipient, erased_card
from bot.core.contract import OutboundReply, ReplyKind
from bot.core.records import Direction, UserExport
from bot.core.state import HANDOVER_PHASES, Phase
from bot.core.timefmt import clock, date_text
from handlers import actions
from handlers.base import Result, Say, Services, Turn, say, typed
from handlers.handover import kit_of
from handlers.menu import cancels
from handlers.words import CANCEL, ERASE_WORDS, KEEP_WORDS, NO, YES
from knowledge.route import Outcome

# Below this confidence a privacy reading does not interrupt a hand-over's question.
UNSURE = 0.5

RECENT = 5


def _when(at: datetime, lang: str) -> str:
    return f"{date_text(at, lang)} {clock(at, lang if lang in ('en', 'sv') else 'fi')}"


def export_summary(data: UserExport, s: Say) -> str:
    unknown = s.text("privacy.unknown")
    consent = data.user.consent
    summary = s.text(
        "privacy.export",
        name=data.user.name or unknown,
        email=data.user.email or unknown,
        consented=_when(consent.given_at, s.lang) if consent else unknown,
        conversations=data.conversations,
        messages=len(data.messages),
    )
    mine = [m for m in data.messages if m.direction is Direction.CUSTOMER][-RECENT:]
    if not mine:
        return summary
    lines = "\n".join(f"- {_when(m.at, s.lang)}: {m.text}" for m in mine)
    return f"{summary}\n\n{s.text('privacy.export_recent')}\n{lines}"


def _erase_question(s: Say) -> OutboundReply:
    return OutboundReply(
        text=s.text("privacy.erase_confirm"),
        buttons=(s.button("privacy.erase_yes", actions.ERASE_YES),
                 s.button("privacy.erase_no", actions.ERASE_NO)),
        kind=ReplyKind.QUESTION,
    )  # fmt: skip


class PrivacyRequest:
    name = "privacy"

    def matches(self, turn: Turn) -> bool:
        if turn.action == actions.ERASE_ASK:
            return True
        route = turn.route
        if route is None or route.outcome is not Outcome.PRIVACY:
            return False
        # An open question's answer ("peruuta", "nytt ärende") is not a privacy request
        # unless the router is sure of it.
        unsure = route.clarify or route.confidence < UNSURE or (
            turn.typed is not None and cancels(turn.typed)
        )
        return not (turn.state.phase in HANDOVER_PHASES and unsure)

    async def handle(self, turn: Turn, services: Services) -> Result:
        s = say(turn, services)
        action = "erase" if turn.action == actions.ERASE_ASK else (turn.route and turn.route.action)
        user = turn.user
        if user is None:
            return Result(replies=(s.reply("privacy.nothing_stored"),), state=turn.rested())
        if action == "erase":
            question = _erase_question(s)
            return Result(replies=(question,), state=turn.state.to(Phase.CONFIRM_ERASE))
        if action == "export":
            if not turn.message.private:  # a shared channel: others would read it
                reply = s.reply("privacy.export_private_only")
                return Result(replies=(reply,), state=turn.rested())
            data = await services.session.export(user.id)
            reply = OutboundReply(text=export_summary(data, s))
            return Result(replies=(reply,), state=turn.rested())
        if action != "withdraw":
            raise ValueError(f"unknown privacy action {action!r}")
        ended = await withdraw(turn, services, user.id)
        reply = OutboundReply(
            text=s.text("privacy.withdrawn_with_case" if ended else "privacy.withdrawn"),
            buttons=(s.button("privacy.erase_button", actions.ERASE_ASK),),
        )
        state = turn.state.to(Phase.DECLINED, handover_pending=False, draft=None, case=None)
        return Result(replies=(reply,), state=state, keep_transcript=False)


async def withdraw(turn: Turn, services: Services, user_id: int) -> int:
    """Withdraw the user's consent everywhere and close their open cases, telling the
    agents without the customer's words; returns how many cases were closed."""
    session = services.session
    await session.withdraw_consent(user_id, turn.now)
    cases = await session.open_cases_of(user_id)
    if not cases:
        return 0
    kit = kit_of(services)
    lang = kit.agent_lang
    resolution = services.texts.get(lang, "desk.withdrawn_resolution")
    for case_id in cases:
        line = services.texts.get(lang, "desk.customer_withdrew", case=case_id)

        def announce(card: CaseCard, line: str = line) -> list[Delivery]:
            # The closed card no longer shows the customer's words or name.
            bare = replace(card, summary="", customer=None)
            event = DeskEvent(kind=DeskEventKind.CASE_CHANGED, card=bare, lines=(line,))
            return [Delivery(address=a, recipient=Recipient.AGENTS, event=event)
                    for a in kit.routes.everyone()]  # fmt: skip

        await session.end_case(case_id, at=turn.now, resolution=resolution, announce=announce)
    return len(cases)


async def erase(turn: Turn, services: Services, user_id: int) -> int:
    """Erase everything about the user; every agent surface is told to delete its copies
    of the user's cases (the notice names only the case number). Returns the cases."""
    erasure = await services.session.erase(user_id, at=turn.now, source="chat")
    if not erasure.cases:
        return 0
    kit = kit_of(services)
    deliveries = []
    for case_id in erasure.cases:
        line = services.texts.get(kit.agent_lang, "desk.case_erased", case=case_id)
        event = DeskEvent(
            kind=DeskEventKind.CASE_ERASED, card=erased_card(case_id, turn.now), lines=(line,)
        )
        deliveries += [Delivery(address=a, recipient=Recipient.AGENTS, event=event)
                       for a in kit.routes.everyone()]  # fmt: skip
    await services.session.deliver(deliveries, case_id=None, at=turn.now)
    return len(erasure.cases)


def _confirmation(turn: Turn) -> bool | None:
    if turn.action == actions.ERASE_YES:
        return True
    if turn.action == actions.ERASE_NO:
        return False
    answer = typed(turn.message.text) if turn.action is None else ""
    if answer in YES or answer in ERASE_WORDS or answer == "1":
        return True
    if answer in NO or answer in CANCEL or answer in KEEP_WORDS or answer == "2":
        return False
    return None


class EraseConfirmation:
    name = "erase-confirmation"

    def matches(self, turn: Turn) -> bool:
        return turn.state.phase is Phase.CONFIRM_ERASE and _confirmation(turn) is not None

    async def handle(self, turn: Turn, services: Services) -> Result:
        s = say(turn, services)
        if not _confirmation(turn) or turn.user is None:
            reply = s.reply("privacy.erase_cancelled")
            return Result(replies=(reply,), state=turn.rested())
        had_case = turn.state.case is not None
        await erase(turn, services, turn.user.id)
        state = turn.state.to(Phase.DECLINED, handover_pending=False, draft=None, case=None)
        reply = s.reply("privacy.erased_with_case" if had_case else "privacy.erased")
        return Result(replies=(reply,), state=state, keep_transcript=False)
