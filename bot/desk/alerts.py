"""Alerting agents before a case's target time passes, once across all processes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.cases import CaseCard, Delivery, DeskEvent, DeskEventKind, Recipient
from bot.core.ports import Cases
from bot.core.texts import Catalogue
from bot.core.timefmt import clock as clock_text
from bot.service.agents import DeskRoutes

log = logging.getLogger(__name__)


class DueAlerts:
    def __init__(
        self,
        *,
        cases: Cases,
        routes: DeskRoutes,
        texts: Catalogue,
        clock: Callable[[], datetime],
        lead: timedelta = timedelta(minutes=30),
        notify: Callable[[], None] = lambda: None,
        lang: str = "fi",
    ) -> None:
        self._cases = cases
        self._routes = routes
        self._texts = texts
        self._clock = clock
        self._lead = lead
        self._notify = notify
        self._lang = lang

    async def check(self) -> int:
        """Alert about queued cases due within the lead time; returns how many alerts."""
        now = self._clock()

        def alert(card: CaseCard) -> list[Delivery]:
            line = self._texts.get(
                self._lang,
                "desk.due_soon",
                case=card.case_id,
                due=clock_text(card.due_at, "fi" if self._lang == "fi" else "en"),
            )
            event = DeskEvent(kind=DeskEventKind.DUE_SOON, card=card, lines=(line,))
            return [
                Delivery(address=a, recipient=Recipient.AGENTS, event=event)
                for a in self._routes.everyone()
            ]

        sent = await self._cases.claim_due_alerts(
            due_before=now + self._lead, at=now, deliveries=alert
        )
        if sent:
            log.info("due alerts sent=%d", sent)
            self._notify()
        return sent

    async def run(self, stop: asyncio.Event, *, every_seconds: float = 30.0) -> None:
        while not stop.is_set():
            try:
                await self.check()
            except Exception as exc:
                log.error("due alert pass failed error=%s", type(exc).__name__, exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every_seconds)
