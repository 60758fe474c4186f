"""Service hours configuration: the defaults, and an admin's closures and changed hours
read from a YAML file (format: docs/service-hours.md), every problem reported by line."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

ENV_VAR = "SUPPORTBOT_SERVICE_HOURS_FILE"
_T = TypeVar("_T")


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
