"""Clarifying questions: when two readings of a message are close, ask, don't guess.

One short question with a button per reading (best first) and a way out. The
click, or the typed number, label or "a person", continues with that reading as
if the router had been sure. The choices are kept as the open menu (nothing
personal); the user's words ride only in the buttons until consent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.core.contract import Button, OutboundReply, ReplyKind
from bot.core.state import HandoverDraft, Phase
from handlers import actions
from handlers.answer import shown_in
from handlers.base import Handler, Result, Say, Services, Turn, say
from handlers.menu import Choice, cancels, pick
from handlers.words import PERSON
from knowledge.route import Outcome, Route

NONE = actions.READING + "none"
MAX_READINGS = 3
_DETAIL = {Outcome.ANSWER: "article", Outcome.OUT_OF_SCOPE: "reason",
           Outcome.SERVICE_INFO: "topic", Outcome.PRIVACY: "action"}  # fmt: skip
_OFFERED = frozenset({*_DETAIL, Outcome.ESCALATE, Outcome.SERVICE_FEEDBACK})


def reading_value(route: Route) -> str:
    """The button value of a reading: "reading:answer:windchill-java", "reading:escalate"."""
    detail = route.detail()
    return f"{actions.READING}{route.outcome.value}" + (f":{detail[1]}" if detail else "")


def reading_route(value: str, lang: str) -> Route | None:
    """The route a reading's button stands for (None for an unknown or foreign value)."""
    outcome_name, _, detail = value.removeprefix(actions.READING).partition(":")
    try:
        outcome = Outcome(outcome_name)
    except ValueError:
        return None
    if outcome not in _OFFERED:
        return None
    key = _DETAIL.get(outcome)
    if key and not detail:
        return None
    return Route(outcome=outcome, lang=lang, confidence=1.0, **({key: detail} if key else {}))


def _label(reading: Route, s: Say, services: Services) -> str | None:
    outcome = reading.outcome
    if outcome is Outcome.ANSWER:
        article = services.knowledge.article(reading.article or "")
        return article.title.get(shown_in(s.lang)) if article else None
    if outcome is Outcome.ESCALATE:
        return s.text("talk.clarify_escalate")
    if outcome is Outcome.SERVICE_FEEDBACK:
        return s.text("talk.clarify_feedback")
    detail = reading.detail()
    key = f"talk.clarify_{outcome.value}_{detail[1]}" if detail else ""
    return s.text(key) if key in services.texts.texts[services.texts.lang(s.lang)] else None


def _choices(readings: Sequence[Route], s: Say, services: Services) -> list[Choice]:
    choices: list[Choice] = []
    for reading in readings:
        label, value = _label(reading, s, services), reading_value(reading)
        if label and value not in {c.value for c in choices}:
            words = tuple(PERSON) if reading.outcome is Outcome.ESCALATE else ()
            choices.append(Choice(value, label, words))
    return choices[:MAX_READINGS]


def _carry(turn: Turn) -> HandoverDraft:
    """What a person would need if the user picks the hand-over: their own words."""
    route, said = turn.route, turn.typed
    return HandoverDraft(
        product=route.products[0] if route and route.products else None,
        version=route.versions[0] if route and route.versions else None,
        description=said or None,
    )


def _hands_over(choice: Choice) -> bool:
    return choice.value == f"{actions.READING}{Outcome.ESCALATE.value}"


class AskClarify:
    name = "clarify"

    def matches(self, turn: Turn) -> bool:
        route = turn.route
        return (
            turn.action is None and route is not None and route.clarify and bool(route.alternatives)
        )

    async def handle(self, turn: Turn, services: Services) -> Result:
        s, route = say(turn, services), turn.route
        assert route is not None
        choices = _choices((route, *route.alternatives), s, services)
        carry = _carry(turn)
        # Only the hand-over needs the user's words; they ride in its button alone.
        buttons = [
            Button(c.label, actions.with_payload(c.value, carry) if _hands_over(c) else c.value)
            for c in choices
        ]
        buttons.append(s.button("talk.clarify_none", NONE))
        reply = OutboundReply(text=s.text("talk.clarify_question"), buttons=tuple(buttons),
                              kind=ReplyKind.QUESTION)  # fmt: skip
        menu = tuple(c.value for c in choices)
        draft = replace(carry, menu=menu)  # the engine keeps only the menu before consent
        state = turn.state.to(Phase.CLARIFY, draft=draft, handover_pending=False)
        return Result(replies=(reply,), state=state)


class ClarifyChoice:
    """The answer to a clarifying question, clicked or typed; anything else typed while
    it is open is simply a new message."""

    name = "clarify-choice"

    def __init__(self, routed: Sequence[Handler], fallback: Handler) -> None:
        self._routed = tuple(routed)
        self._fallback = fallback

    def matches(self, turn: Turn) -> bool:
        if (turn.action or "").startswith(actions.READING):
            return True
        return turn.state.phase is Phase.CLARIFY and turn.typed is not None

    def _serve(self, turn: Turn) -> Handler:
        return next((h for h in self._routed if h.matches(turn)), self._fallback)

    async def handle(self, turn: Turn, services: Services) -> Result:
        s = say(turn, services)
        value = turn.action
        if value is None:  # typed while the question is open
            draft = turn.state.draft or HandoverDraft()
            menu = [reading_route(v, turn.lang) for v in draft.menu]
            typed = turn.typed or ""
            if cancels(typed):
                value = NONE
            else:
                choices = _choices([r for r in menu if r], s, services)
                value = pick(typed, [*choices, Choice(NONE, s.text("talk.clarify_none"))])
            if value is None:
                rested = replace(turn, state=turn.rested())
                return await self._serve(rested).handle(rested, services)
        chosen = reading_route(value, turn.lang) if value != NONE else None
        if chosen is None:
            return Result(replies=(s.reply("talk.clarify_none_reply"),), state=turn.rested())
        draft = turn.state.draft
        kept = draft is not None and (draft.description or draft.product)
        carried = turn.carried or (replace(draft, menu=()) if draft and kept else None)
        action = actions.with_payload(value, carried) if carried else value
        picked = replace(
            turn,
            route=chosen,
            message=replace(turn.message, action=action),
            state=turn.rested(),
        )
        return await self._serve(picked).handle(picked, services)
