"""The conversation engine: one inbound message in, replies out, whatever the channel.

Per message: skip bots, lock the conversation then load it (aiogram's order),
drop a message id seen before, pick the first handler of the phase whose
``matches()`` holds (or the fallback), let it act, save, and keep the
transcript only when the user has consented. One error handler apologises in
the user's language and logs without message text.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.contract import InboundMessage, OutboundReply, ReplyKind
from bot.core.keys import Keys
from bot.core.ports import ConversationSession, Storage
from bot.core.records import Direction
from bot.core.settings import Settings
from bot.core.state import Phase
from bot.core.texts import Catalogue
from handlers.base import Handler, HandoverKit, HoursInfo, Knowledge, Result, Services, Turn
from knowledge.route import Route

log = logging.getLogger(__name__)

PhaseTable = Mapping[Phase, Sequence[Handler]]
Clock = Callable[[], datetime]
LanguageDetector = Callable[[str, str], str]


def utc_now() -> datetime:
    return datetime.now(UTC)


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


class Engine:
    def __init__(self, parts: EngineParts) -> None:
        self._parts = parts

    async def handle(self, message: InboundMessage) -> list[OutboundReply]:
        """Handle one message; returns the replies (none for a retry or a bot's message)."""
        if message.sender.is_bot:
            return []
        parts = self._parts
        started = time.perf_counter()
        key = parts.keys.conversation(message.channel, message.conversation_id)
        lang = parts.settings.default_language
        handler_name = "-"
        try:
            # One published knowledge base for the whole turn. Routing is pure CPU work
            # on the text alone: done in a worker thread before the conversation is
            # locked, so neither the event loop nor the database waits for it.
            knowledge = parts.knowledge()
            text = message.text.strip()
            route = None
            if text and message.action is None:
                route = await asyncio.to_thread(knowledge.route, text)
            async with parts.storage.conversation(
                key, channel=message.channel, lang=lang
            ) as session:
                if not await session.claim(message.channel, message.message_id, at=parts.clock()):
                    log.info("duplicate message skipped channel=%s", message.channel)
                    return []
                turn = await self._turn(message, session, route)
                lang = turn.lang
                handler = self._pick(turn)
                handler_name = handler.name
                services = Services(
                    session=session,
                    texts=parts.texts,
                    knowledge=knowledge,
                    settings=parts.settings,
                    hours=parts.hours,
                    handover=parts.handover,
                )
                result = await handler.handle(turn, services)
                await session.save(result.state)
                await self._keep_transcript(turn, result, session)
        except Exception as exc:
            log.error(
                "turn failed channel=%s handler=%s error=%s",
                message.channel,
                handler_name,
                type(exc).__name__,
                exc_info=True,
            )
            return [self._apology(lang)]
        parts.notify()  # the turn may have left messages in the outbox
        log.info(
            "turn handled channel=%s handler=%s phase=%s replies=%d ms=%.1f",
            message.channel,
            handler_name,
            result.state.phase.value,
            len(result.replies),
            (time.perf_counter() - started) * 1000,
        )
        return list(result.replies)

    async def _turn(
        self, message: InboundMessage, session: ConversationSession, route: Route | None
    ) -> Turn:
        parts = self._parts
        state = session.state
        text = message.text.strip()
        is_click = message.action is not None
        lang = state.lang if is_click or not text else parts.detect_language(text, state.lang)
        user = await session.user(message.channel, message.sender.id)
        if user is not None and user.consented:
            # A consented user's new conversation (another DM or thread) belongs to them,
            # so export and erasure find it and agents can write back to it.
            await session.attach(user.id, message.address)
        lang = lang if lang in parts.texts.texts else parts.settings.default_language
        return Turn(
            message=message,
            state=state if state.lang == lang else state.to(state.phase, lang=lang),
            lang=lang,
            route=route,
            user=user,
            now=parts.clock(),
        )

    def _pick(self, turn: Turn) -> Handler:
        for handler in self._parts.table.get(turn.state.phase, ()):
            if handler.matches(turn):
                return handler
        return self._parts.fallback

    async def _keep_transcript(
        self, turn: Turn, result: Result, session: ConversationSession
    ) -> None:
        """Store this turn's messages, but only for a user who has consented by its end."""
        if not result.keep_transcript:
            return
        user = await session.user(turn.message.channel, turn.message.sender.id)
        if user is None or not user.consented:
            return
        now = self._parts.clock()
        said = turn.message.text.strip()
        if said:
            await session.log(user_id=user.id, direction=Direction.CUSTOMER, text=said, at=now)
        for reply in result.replies:
            await session.log(user_id=user.id, direction=Direction.BOT, text=reply.text, at=now)

    def _apology(self, lang: str) -> OutboundReply:
        settings = self._parts.settings
        text = self._parts.texts.get(
            lang, "error", phone=settings.support_phone, email=settings.support_email
        )
        return OutboundReply(text=text, kind=ReplyKind.ERROR)
