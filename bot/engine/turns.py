"""The conversation engine: one inbound message in, replies out, whatever the channel.

Per message: skip bots, route the text (off the event loop, bounded), lock the
conversation then load it (aiogram's order), drop a message id seen before,
derive the phase (:mod:`bot.engine.phases`), refuse someone else's clicks in a
shared thread, pick the first handler of the phase whose ``matches()`` holds
(or the fallback), let it act, then in the same transaction: save the state,
keep the transcript only for a consented user, and store the replies in the
outbox. One error path apologises in the user's language and logs without text.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.core.cases import Delivery, Recipient
from bot.core.contract import InboundMessage, OutboundReply, ReplyKind
from bot.core.gaps import UnansweredQuestion
from bot.core.keys import Keys
from bot.core.logs import CORRELATION, failure
from bot.core.metrics import NO_METER, Meter
from bot.core.ports import ConversationSession, Storage
from bot.core.records import Direction
from bot.core.settings import Settings
from bot.core.state import VERBATIM_ANSWERS, Phase
from bot.core.texts import Catalogue
from bot.engine.gaps import unanswered_of
from bot.engine.held import HeldPayloads
from bot.engine.phases import phase_of
from bot.engine.sealing import opened, opened_menu, sealed, sealed_menu
from handlers.actions import payload_of
from handlers.base import Handler, HandoverKit, HoursInfo, Knowledge, Result, Services, Turn
from knowledge.route import Route

log = logging.getLogger(__name__)

PhaseTable = Mapping[Phase, Sequence[Handler]]
Clock = Callable[[], datetime]
LanguageDetector = Callable[[str, str], str]
# The router reads at most this much of a message: a pasted log or a 40,000-character
# token cannot hold a worker thread (and with it the GIL) for long.
ROUTED_CHARACTERS = 2000


def utc_now() -> datetime:
    return datetime.now(UTC)


def routable(text: str) -> str:
    """The part of a message the router reads: the start and the end (where the
    question usually is), with absurdly long tokens (hashes, pasted blobs) dropped."""
    words = [w for w in text.split() if len(w) <= 64]
    short = " ".join(words)
    if len(short) <= ROUTED_CHARACTERS:
        return short
    half = ROUTED_CHARACTERS // 2
    return f"{short[:half]} {short[-half:]}"


def _timed_route(parts: EngineParts, text: str) -> Route:
    """Route ``text`` on the published knowledge base, reporting how long it took."""
    started = time.perf_counter()
    route = parts.knowledge().route(text)
    parts.meter.routed(seconds=time.perf_counter() - started)
    return route


@dataclass(frozen=True, slots=True)
class EngineParts:
    """Everything the engine is built from; the composition root fills it in."""

    storage: Storage
    keys: Keys
    table: PhaseTable
    fallback: Handler
    texts: Catalogue
    knowledge: Callable[[], Knowledge]
    settings: Settings
    detect_language: LanguageDetector
    clock: Clock = utc_now
    hours: HoursInfo | None = None
    handover: HandoverKit | None = None
    notify: Callable[[], None] = lambda: None
    meter: Meter = NO_METER
    # Questions the bot could not answer, for the editors' workbench (bot/engine/gaps.py).
    unanswered: Callable[[UnansweredQuestion], Awaitable[None]] | None = None


class Engine:
    def __init__(self, parts: EngineParts) -> None:
        self._parts = parts
        self._held = HeldPayloads()  # memory only: see bot/engine/held.py

    def conversation_key(self, message: InboundMessage) -> str:
        return self._parts.keys.conversation(message.channel, message.conversation_id)

    def correlation_of(self, message: InboundMessage) -> str:
        """The id that ties a message's log lines together (no platform id in it)."""
        return self._parts.keys.correlation(message.channel, message.message_id)

    async def handle(self, message: InboundMessage) -> list[OutboundReply]:
        """One turn, for callers without an inbox (the terminal, tests): on failure the
        apology is stored for delivery and returned."""
        CORRELATION.set(self.correlation_of(message))
        try:
            return await self.turn(message)
        except Exception as exc:
            failure(log, "turn failed", exc, channel=message.channel)
            return [await self.apologise(message)]

    def language_of(self, message: InboundMessage) -> str:
        """The language to apologise in when the turn (and its state) is lost."""
        parts = self._parts
        default = parts.settings.default_language
        text = message.text.strip()
        if text and message.action is None:
            lang = parts.detect_language(routable(text), default)
        else:
            lang = default
        return lang if lang in parts.texts.texts else default

    async def turn(
        self, message: InboundMessage, *, inbox_id: int | None = None
    ) -> list[OutboundReply]:
        """Handle one message in one transaction (which also deletes its inbox row);
        returns the replies, already stored in the outbox. Raises on failure, leaving
        nothing changed: the inbox offers the message again."""
        parts = self._parts
        started = time.perf_counter()
        message = opened(self._parts.keys, message)
        route = None
        text = message.text.strip()
        if text and message.action is None and not message.sender.is_bot:
            # One published knowledge base for the whole turn. Routing is pure CPU work
            # on the text alone: done in a worker thread before the conversation is locked.
            route = await asyncio.to_thread(_timed_route, parts, routable(text))
        key = self.conversation_key(message)
        lang = parts.settings.default_language
        async with parts.storage.conversation(key, channel=message.channel, lang=lang) as session:
            if inbox_id is not None:
                await session.consume(inbox_id, message)
            if message.sender.is_bot:
                return []
            if not await session.claim(message.channel, message.message_id, at=parts.clock()):
                log.info("duplicate message skipped channel=%s", message.channel)
                parts.meter.turn(channel=message.channel, outcome="duplicate",
                                 seconds=time.perf_counter() - started)  # fmt: skip
                return []
            turn = await self._turn(message, session, route)
            handler = self._pick(turn)
            result = await self._serve(turn, handler, session)
        parts.notify()  # the turn left messages in the outbox
        outcome = route.outcome if route is not None else "action"
        parts.meter.turn(channel=message.channel, outcome=str(outcome),
                         seconds=time.perf_counter() - started)  # fmt: skip
        await self._count_unanswered(turn, handler.name)
        log.info(
            "turn handled channel=%s handler=%s phase=%s replies=%d ms=%.1f",
            message.channel, handler.name, result.state.phase.value, len(result.replies),
            (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        return list(result.replies)

    async def _serve(self, turn: Turn, handler: Handler, session: ConversationSession) -> Result:
        parts = self._parts
        services = Services(
            session=session, texts=parts.texts, knowledge=parts.knowledge(),
            settings=parts.settings, hours=parts.hours, handover=parts.handover,
        )  # fmt: skip
        result = await handler.handle(turn, services)
        offered = result.replies
        result = replace(result, replies=tuple(sealed(self._parts.keys, r) for r in result.replies))
        message = turn.message
        if turn.bystander:  # someone else's conversation: answer them, change nothing
            await self._reply(session, message, result.replies)
            return result
        user = await session.user(message.channel, message.sender.id)
        consented = user is not None and user.consented
        asking = result.state.handover_pending or result.state.phase is Phase.CLARIFY
        self._held.after_turn(turn.state.key, offered, consented=consented, open_question=asking)
        state = result.state
        if not consented and state.draft is not None:
            # Nothing personal is kept without consent: a draft (the problem in the
            # user's words) lives only as long as consent does; an open menu is kept sealed.
            state = replace(state, draft=sealed_menu(self._parts.keys, state.draft.impersonal()))
        await session.save(state)
        if consented and result.keep_transcript and user is not None:
            now = parts.clock()
            if result.told_before:  # the problem told before consent, now consented to
                await session.log(user_id=user.id, direction=Direction.CUSTOMER,
                                  text=result.told_before, at=now)  # fmt: skip
            if said := message.text.strip():
                await session.log(user_id=user.id, direction=Direction.CUSTOMER, text=said, at=now)
            for reply in result.replies:
                if reply.only_for is None:
                    await session.log(
                        user_id=user.id, direction=Direction.BOT, text=reply.text, at=now
                    )
        await self._reply(session, message, result.replies)
        return replace(result, state=state)

    async def _reply(
        self,
        session: ConversationSession,
        message: InboundMessage,
        replies: Sequence[OutboundReply],
    ) -> None:
        """The turn's replies into the outbox, in the turn's transaction: one item each, so
        a failure after the first reply arrived never sends that one again."""
        deliveries = [
            Delivery(address=message.address, recipient=Recipient.CUSTOMER, replies=(reply,))
            for reply in replies
        ]
        if deliveries:
            await session.deliver(deliveries, case_id=None, at=self._parts.clock())

    async def _turn(
        self, message: InboundMessage, session: ConversationSession, route: Route | None
    ) -> Turn:
        parts = self._parts
        saved = session.state
        text = message.text.strip()
        is_click = message.action is not None
        verbatim = is_click or not text or saved.phase in VERBATIM_ANSWERS
        lang = saved.lang if verbatim else parts.detect_language(routable(text), saved.lang)
        lang = lang if lang in parts.texts.texts else parts.settings.default_language
        person = parts.keys.person(message.channel, message.sender.id)
        state = phase_of(saved, session.case)
        if state.draft is not None and state.draft.menu:
            state = replace(state, draft=opened_menu(self._parts.keys, state.draft))
        bystander = state.owner is not None and state.owner != person and not message.private
        if bystander:
            return Turn(message=message, state=state, lang=lang, route=route, user=None,
                        now=parts.clock(), bystander=True)  # fmt: skip
        state = replace(state, lang=lang, owner=state.owner or person)
        user = await session.user(message.channel, message.sender.id)
        if user is not None and user.consented:
            # A consented user's new conversation (another DM or thread) belongs to them,
            # so export and erasure find it and agents can write back to it; the name
            # and email are refreshed (a lookup that failed at consent heals here).
            await session.attach(user.id, message.address)
            user = await session.seen(user.id, message.sender, parts.clock())
        held = self._held.get(state.key)
        return Turn(message=message, state=state, lang=lang, route=route, user=user,
                    now=parts.clock(), held=payload_of(held))  # fmt: skip

    async def _count_unanswered(self, turn: Turn, handler: str) -> None:
        record = self._parts.unanswered
        if record is not None and (question := unanswered_of(turn, handler)) is not None:
            try:
                await record(question)
            except Exception as exc:  # counting is best effort; the turn is done
                failure(log, "unanswered question not recorded", exc)

    def _pick(self, turn: Turn) -> Handler:
        for handler in self._parts.table.get(turn.state.phase, ()):
            if handler.matches(turn):
                return handler
        return self._parts.fallback

    async def apologise(self, message: InboundMessage) -> OutboundReply:
        """The error reply, stored for delivery on its own (the turn's work is gone)."""
        parts = self._parts
        settings = parts.settings
        text = parts.texts.get(
            self.language_of(message), "error",
            phone=settings.support_phone, email=settings.support_email,
        )  # fmt: skip
        reply = OutboundReply(text=text, kind=ReplyKind.ERROR)
        delivery = Delivery(address=message.address, recipient=Recipient.CUSTOMER, replies=(reply,))
        await parts.storage.deliver_now([delivery], at=parts.clock())
        parts.notify()
        return reply
