"""Service hours and the 2-hour target (service description 1.4 and 1.5).

Open weekdays 08:00–16:00 Helsinki wall-clock time, closed on Finnish public
holidays (the ``holidays`` package, which counts Midsummer Eve and Christmas
Eve), plus closures and changed hours an admin configures in a YAML file
(format: docs/service-hours.md). The calculations are pure and synchronous;
every instant going in must be timezone-aware, every instant coming out is UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

from bot.service.hours_config import ServiceHoursConfig

# A year of days with no opening means a broken configuration, not a long wait.
_SEARCH_DAYS = 400
_HOLIDAY_LANGUAGES = {"fi": "fi", "en": "en_US"}


class ClosedReason(StrEnum):
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    CLOSURE = "closure"
    BEFORE_OPENING = "before_opening"
    AFTER_CLOSING = "after_closing"


@dataclass(frozen=True, slots=True)
class HoursStatus:
    """Whether the service is open at an instant, why not, and what that means for a request."""

    open: bool
    reason: ClosedReason | None
    detail: str | None
    next_open: datetime
    due: datetime
    closes_at: datetime | None


@dataclass(frozen=True, slots=True)
class _Day:
    """One local date: its opening window in UTC, or why it has none."""

    window: tuple[datetime, datetime] | None
    reason: ClosedReason | None
    detail: str | None


class ServiceHours:
    """Answers questions about opening hours; cheap enough to call for every case in a queue."""

    def __init__(self, config: ServiceHoursConfig | None = None) -> None:
        self.config = config or ServiceHoursConfig()
        self._zone = ZoneInfo(self.config.timezone)
        self._closures = {c.day: c for c in self.config.closures}
        self._changed = {c.day: c for c in self.config.changed}
        self._holidays = {
            lang: holidays.country_holidays("FI", language=code)
            for lang, code in _HOLIDAY_LANGUAGES.items()
        }
        self._days: dict[date, _Day] = {}

    def holiday_name(self, day: date, lang: Literal["fi", "en"] = "en") -> str | None:
        """The Finnish public holiday on ``day`` in the given language, or None."""
        return self._holidays[lang].get(day)

    def status(self, at: datetime, *, lang: Literal["fi", "en"] = "en") -> HoursStatus:
        """Open or closed at ``at`` and why; ``detail`` names the holiday (in ``lang``),
        the closure or the changed hours. ``next_open`` is ``at`` itself when open."""
        at = _utc(at)
        local_day = at.astimezone(self._zone).date()
        day = self._day(local_day)
        reason, detail = day.reason, day.detail
        if reason is ClosedReason.HOLIDAY:
            detail = self.holiday_name(local_day, lang)
        closes_at: datetime | None = None
        if day.window is not None:
            opens, closes = day.window
            if opens <= at < closes:
                reason, detail, closes_at = None, None, closes
            else:
                reason = ClosedReason.BEFORE_OPENING if at < opens else ClosedReason.AFTER_CLOSING
        return HoursStatus(
            open=reason is None,
            reason=reason,
            detail=detail,
            next_open=self.next_open(at),
            due=self.due(at),
            closes_at=closes_at,
        )

    def is_open(self, at: datetime) -> bool:
        """True when ``at`` falls inside an opening window (opening instant included,
        closing instant excluded)."""
        at = _utc(at)
        window = self._day(at.astimezone(self._zone).date()).window
        return window is not None and window[0] <= at < window[1]

    def next_open(self, at: datetime) -> datetime:
        """The first open instant at or after ``at``, in UTC."""
        opens, _ = next(self._windows_from(_utc(at)))
        return opens

    def due(self, at: datetime, work: timedelta | None = None) -> datetime:
        """The instant (UTC) by which ``work`` (default: the configured target) of
        opening time has passed after ``at``; time outside opening hours does not count."""
        remaining = self.config.target if work is None else work
        if remaining < timedelta(0):
            raise ValueError("work must not be negative")
        for start, end in self._windows_from(_utc(at)):
            if remaining <= end - start:
                return start + remaining
            remaining -= end - start
        raise AssertionError("unreachable: _windows_from never ends")  # pragma: no cover

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Opening time between two instants; negative when ``end`` is before
        ``start`` (a target already passed)."""
        start, end = _utc(start), _utc(end)
        if end < start:
            return -self.business_time_between(end, start)
        total = timedelta(0)
        for opens, closes in self._windows_from(start):
            if opens >= end:
                break
            total += min(closes, end) - opens
        return total

    def _windows_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Opening windows clipped to start no earlier than ``at``, in order, day by day."""
        local_day = at.astimezone(self._zone).date()
        idle = 0
        while True:
            window = self._day(local_day).window
            if window is not None and window[1] > at:
                idle = 0
                yield max(window[0], at), window[1]
            else:
                idle += 1
                if idle > _SEARCH_DAYS:
                    raise RuntimeError(f"no opening hours within {_SEARCH_DAYS} days")
            local_day += timedelta(days=1)

    def _day(self, day: date) -> _Day:
        cached = self._days.get(day)
        if cached is None:
            cached = self._days[day] = self._compute_day(day)
        return cached

    def _compute_day(self, day: date) -> _Day:
        # An admin's explicit entry for a date wins over the calendar.
        if (changed := self._changed.get(day)) is not None:
            window = (self._instant(day, changed.opens), self._instant(day, changed.closes))
            return _Day(window, None, changed.reason)
        if (closure := self._closures.get(day)) is not None:
            return _Day(None, ClosedReason.CLOSURE, closure.reason)
        if (name := self.holiday_name(day)) is not None:
            return _Day(None, ClosedReason.HOLIDAY, name)
        if day.weekday() >= 5:
            return _Day(None, ClosedReason.WEEKEND, None)
        window = (self._instant(day, self.config.opens), self._instant(day, self.config.closes))
        return _Day(window, None, None)

    def _instant(self, day: date, wall: time) -> datetime:
        # Opening hours are wall-clock times: the UTC offset is that of the date itself.
        return datetime.combine(day, wall, tzinfo=self._zone).astimezone(UTC)


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is required, got naive {at.isoformat()}")
    return at.astimezone(UTC)
