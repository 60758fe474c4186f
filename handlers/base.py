"""The handler contract: a pure ``matches()`` decides, ``handle()`` acts.

After python-telegram-bot's two-phase handlers. Handlers never see a channel
or a table: they get a :class:`Turn` (what happened) and :class:`Services`
(what they may use), and return a :class:`Result`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.core.contract import Button, InboundMessage, Link, OutboundReply, ReplyKind
from bot.core.ports import ConversationSession, CustomerRegister
from bot.core.records import UserRecord
from bot.core.register import ProductCatalog
from bot.core.settings import Settings
from bot.core.state import ConversationState, HandoverDraft, Phase
from bot.core.texts import Catalogue
from bot.service.agents import DeskRoutes
from bot.service.hours import ServiceHours
from bot.service.hours_text import HoursText
from handlers.actions import bare, payload_of
from handlers.words import fold
from knowledge.route import Route
from knowledge.schema import Article


class Knowledge(Protocol):
    """The published knowledge base as handlers use it."""

    def route(self, text: str) -> Route: ...

    def article(self, article_id: str) -> Article | None: ...


class HoursInfo(Protocol):
    """Service hours, as far as handlers need them to describe the service."""

    def describe_now(self, lang: str, now: datetime) -> str: ...


@dataclass(frozen=True, slots=True)
class Turn:
    """One inbound message with everything decided about it before a handler acts."""

    message: InboundMessage
    state: ConversationState
    lang: str
    route: Route | None
    user: UserRecord | None
    now: datetime
    # Someone other than the conversation's owner, writing in a shared thread.
    bystander: bool = False
    # The last payload this process offered in the conversation before consent, held in
    # memory only (bot/engine/held.py): a typed "kyllä" brings back no button's payload.
    held: HandoverDraft | None = None

    @property
    def action(self) -> str | None:
        """The clicked button's value, without the payload it may carry."""
        return bare(self.message.action)

    @property
    def payload(self) -> HandoverDraft | None:
        """What the clicked button carried back: the hand-over so far (None: nothing)."""
        return payload_of(self.message.action)

    @property
    def carried(self) -> HandoverDraft | None:
        """The hand-over so far: the click's payload, or the one held in memory when the
        answer was typed or the click's description had to be cut to fit its button."""
        clicked, held = self.payload, self.held
        if held is None or (clicked is not None and not clicked.cut):
            return clicked
        if clicked is None:
            return held if self.typed is not None else None
        start = (clicked.description or "").removesuffix("…")
        return held if (held.description or "").startswith(start) else clicked

    @property
    def typed(self) -> str | None:
        """The user's own words, or None when this turn is a click."""
        return self.message.text.strip() if self.message.action is None else None

    @property
    def consented(self) -> bool:
        return self.user is not None and self.user.consented

    @property
    def resting_phase(self) -> Phase:
        """The phase to fall back to when a turn leaves a question phase behind."""
        if self.consented:
            return Phase.ACTIVE
        if self.state.phase in (Phase.NEW, Phase.CONFIRM_ERASE, Phase.CLARIFY):
            return Phase.AWAITING_CONSENT
        return self.state.phase

    def rested(self, menu: tuple[str, ...] = ()) -> ConversationState:
        """The state after a turn that leaves every open question behind; ``menu`` is the
        new question's choices, if the turn asked one (a typed answer finds them)."""
        draft = self.state.draft
        if draft is not None or menu:
            draft = HandoverDraft(**{**(_fields(draft) if draft else {}), "menu": menu})
        return self.state.to(self.resting_phase, handover_pending=False, draft=draft)


@dataclass(frozen=True, slots=True)
class HandoverKit:
    """What the hand-over needs beyond the conversation: who is entitled, which
    products exist, when we are open, and where agents are told."""

    register: CustomerRegister
    products: ProductCatalog
    hours: ServiceHours
    hours_text: HoursText
    routes: DeskRoutes
    agent_lang: str = "fi"


@dataclass(frozen=True, slots=True)
class Services:
    """What handlers may use during a turn; built by the engine for each turn."""

    session: ConversationSession
    texts: Catalogue
    knowledge: Knowledge
    settings: Settings
    hours: HoursInfo | None = None
    handover: HandoverKit | None = None


@dataclass(frozen=True, slots=True)
class Result:
    replies: tuple[OutboundReply, ...]
    state: ConversationState
    asks_consent: bool = False
    keep_transcript: bool = True
    # What the user told before consent and this turn's consent lets the bot keep: it
    # goes into the transcript before this turn's own words.
    told_before: str | None = None


class Handler(Protocol):
    name: str

    def matches(self, turn: Turn) -> bool:
        """Pure: whether this handler serves the turn. No I/O."""

    async def handle(self, turn: Turn, services: Services) -> Result:
        """Act on the turn: store what must be stored, return the replies and new state."""


@dataclass(frozen=True, slots=True)
class Say:
    """A small builder for catalogue replies in the turn's language."""

    texts: Catalogue
    lang: str
    extra: dict[str, object] = field(default_factory=dict)

    def text(self, key: str, **params: object) -> str:
        return self.texts.get(self.lang, key, **{**self.extra, **params})

    def reply(
        self,
        key: str,
        *,
        buttons: tuple[Button, ...] = (),
        links: tuple[Link, ...] = (),
        kind: ReplyKind = ReplyKind.MESSAGE,
        **params: object,
    ) -> OutboundReply:
        return OutboundReply(text=self.text(key, **params), buttons=buttons, links=links, kind=kind)

    def button(self, key: str, value: str) -> Button:
        return Button(label=self.text(key), value=value)


def say(turn: Turn, services: Services) -> Say:
    settings = services.settings
    return Say(
        texts=services.texts,
        lang=turn.lang,
        extra={
            "phone": settings.support_phone,
            "email": settings.support_email,
            "sales": settings.sales_contact,
            "support_email": settings.support_email,
        },
    )


def typed(text: str) -> str:
    """A typed short answer, folded for comparison ("Kyllä!" → "kylla")."""
    return fold(text)


def _fields(draft: HandoverDraft) -> dict[str, object]:
    return {name: getattr(draft, name) for name in HandoverDraft.__dataclass_fields__}
