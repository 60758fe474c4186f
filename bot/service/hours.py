"""Service hours and the 2-hour target (service description 1.4 and 1.5).

Open weekdays 08:00–16:00 Helsinki wall-clock time, closed on Finnish public
holidays (the ``holidays`` package, which counts Midsummer Eve and Christmas
Eve), plus closures and changed hours an admin configures in a YAML file
(format: docs/service-hours.md). The calculations are pure and synchronous;
every instant going in must be timezone-aware, every instant coming out is UTC.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml

ENV_VAR = "SUPPORTBOT_SERVICE_HOURS_FILE"
# A year of days with no opening means a broken configuration, not a long wait.
_SEARCH_DAYS = 400
_HOLIDAY_LANGUAGES = {"fi": "fi", "en": "en_US"}
_T = TypeVar("_T")


class ClosedReason(StrEnum):
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    CLOSURE = "closure"
    BEFORE_OPENING = "before_opening"
    AFTER_CLOSING = "after_closing"


@dataclass(frozen=True, slots=True)
class Closure:
    """An admin-configured whole day closed, e.g. 27.12. "Välipäivä"."""

    day: date
    reason: str


@dataclass(frozen=True, slots=True)
class ChangedHours:
    """Admin-configured opening hours for one date; they win over weekends and holidays."""

    day: date
    opens: time
    closes: time
    reason: str


@dataclass(frozen=True, slots=True)
class ServiceHoursConfig:
    """Opening hours as wall-clock times in ``timezone``, admin exceptions, the target."""

    timezone: str = "Europe/Helsinki"
    opens: time = time(8)
    closes: time = time(16)
    closures: tuple[Closure, ...] = ()
    changed: tuple[ChangedHours, ...] = ()
    target: timedelta = timedelta(hours=2)


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


# ---------------------------------------------------------------- configuration


class ServiceHoursConfigError(ValueError):
    """A configuration that cannot be used; ``problems`` lists each one with its line."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{source}: {problem}" for problem in problems))


_LINE = "__line__"
_EMPTY = ("", "~", "null")


class _LineLoader(yaml.BaseLoader):
    # BaseLoader keeps every scalar a string (YAML 1.1 would read an unquoted
    # 8:00 as the sexagesimal number 480); each mapping remembers its line.
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=True)
        mapping[_LINE] = node.start_mark.line + 1
        return mapping


class _Fields:
    """One YAML mapping being read; each problem is recorded with its line and entry."""

    def __init__(self, data: Any, what: str, keys: set[str], problems: list[str]) -> None:
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        self.where = f"line {self.data[_LINE]}: {what}" if _LINE in self.data else what
        self.problems = problems
        if not isinstance(data, dict):
            self.fail(f"must be a mapping of keys to values, got {data!r}")
            return  # one complaint per broken entry, not one per missing key
        for key in sorted(set(self.data) - keys - {_LINE}):
            self.fail(f"unknown key {key!r}")

    def fail(self, message: str) -> None:
        self.problems.append(f"{self.where}: {message}")

    def parsed(
        self, key: str, parse: Callable[[str], _T], example: str, *, required: bool = False
    ) -> _T | None:
        value = self.data.get(key)
        if value is None or value in _EMPTY:
            if required and self.data:
                self.fail(f"{key} is missing")
            return None
        try:
            if not isinstance(value, str):
                raise ValueError
            return parse(value.strip())
        except ValueError:
            self.fail(f"{key}: {value!r} is not {example}")
            return None

    def entries(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if value is None or value in _EMPTY:
            return []
        if not isinstance(value, list):
            self.fail(f"{key} must be a list")
            return []
        return value


def _clock(raw: str) -> time:
    hours, _, minutes = raw.partition(":")  # "8", "8:00" and "08:00" all read as 08:00
    return time.fromisoformat(f"{hours:0>2}:{minutes or '00'}")


def _hours(raw: str) -> timedelta:
    hours = float(raw)
    if not 0 < hours < 24 * 7:
        raise ValueError(raw)
    return timedelta(hours=hours)


def config_from_env(environ: Mapping[str, str] = os.environ) -> ServiceHoursConfig:
    """The configuration in the file SUPPORTBOT_SERVICE_HOURS_FILE names; defaults when unset."""
    path = environ.get(ENV_VAR, "").strip()
    return load_config(path) if path else ServiceHoursConfig()


def load_config(path: str | os.PathLike[str]) -> ServiceHoursConfig:
    """Read a service-hours YAML file; raises ServiceHoursConfigError listing every problem."""
    return parse_config(Path(path).read_text(encoding="utf-8"), source=str(path))


def parse_config(text: str, *, source: str = "<config>") -> ServiceHoursConfig:
    """Parse service-hours YAML (docs/service-hours.md); raises ServiceHoursConfigError
    listing every problem, so one edit can fix them all."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # BaseLoader: builds no objects
    except yaml.YAMLError as error:
        raise ServiceHoursConfigError(source, [f"not valid YAML: {error}"]) from error
    if data is None or data in _EMPTY:
        return ServiceHoursConfig()
    problems: list[str] = []
    keys = {"timezone", "opens", "closes", "target_hours", "closures", "changed_hours"}
    top = _Fields(data, "service hours", keys, problems)
    default = ServiceHoursConfig()
    zone = top.parsed("timezone", _zone_name, "a timezone like Europe/Helsinki")
    opens = top.parsed("opens", _clock, "a time like 08:00") or default.opens
    closes = top.parsed("closes", _clock, "a time like 16:00") or default.closes
    if closes <= opens:
        top.fail(f"closes {closes:%H:%M} is not after opens {opens:%H:%M}")
    target = top.parsed("target_hours", _hours, "a number of hours like 2")
    seen: dict[date, str] = {}
    closures: list[Closure] = []
    changed: list[ChangedHours] = []
    for i, item in enumerate(top.entries("closures"), start=1):
        entry = _Fields(item, f"closures entry {i}", {"date", "reason"}, problems)
        if (day := _unique_day(entry, seen)) is not None:
            closures.append(Closure(day, entry.parsed("reason", str, "text") or ""))
    for i, item in enumerate(top.entries("changed_hours"), start=1):
        fields = {"date", "opens", "closes", "reason"}
        entry = _Fields(item, f"changed_hours entry {i}", fields, problems)
        day = _unique_day(entry, seen)
        start = entry.parsed("opens", _clock, "a time like 08:00", required=True)
        end = entry.parsed("closes", _clock, "a time like 12:00", required=True)
        reason = entry.parsed("reason", str, "text") or ""
        if start is not None and end is not None and end <= start:
            entry.fail(f"closes {end:%H:%M} is not after opens {start:%H:%M}")
        elif day is not None and start is not None and end is not None:
            changed.append(ChangedHours(day, start, end, reason))
    if problems:
        raise ServiceHoursConfigError(source, problems)
    zone, target = zone or default.timezone, target or default.target
    return ServiceHoursConfig(zone, opens, closes, tuple(closures), tuple(changed), target)


def _zone_name(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(raw) from error
    return raw


def _unique_day(entry: _Fields, seen: dict[date, str]) -> date | None:
    day = entry.parsed("date", date.fromisoformat, "a date like 2026-12-27", required=True)
    if day is not None and day in seen:
        entry.fail(f"{day} is already configured ({seen[day]})")
        return None
    if day is not None:
        seen[day] = entry.where
    return day
