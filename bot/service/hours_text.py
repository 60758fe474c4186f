"""Service hours in words for customers and agents, from :mod:`bot.service_hours`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.texts import Catalogue
from bot.core.timefmt import clock, day_and_time
from bot.service.hours import ServiceHours


def _lang(lang: str) -> str:
    return lang if lang in ("en", "sv") else "fi"


@dataclass(frozen=True, slots=True)
class HoursText:
    """Implements the handlers' ``HoursInfo``: whether we are open now, in words."""

    hours: ServiceHours
    texts: Catalogue

    def describe_now(self, lang: str, now: datetime) -> str:
        status = self.hours.status(now)
        lang = _lang(lang)
        if status.open and status.closes_at is not None:
            return self.texts.get(lang, "hours.open_until", closes=clock(status.closes_at, lang))
        when = day_and_time(status.next_open, lang, now)
        return self.texts.get(lang, "hours.closed_until", next_open=when)

    def due_phrase(self, due: datetime, lang: str, now: datetime) -> str:
        return day_and_time(due, _lang(lang), now)
