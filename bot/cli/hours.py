"""``supportbot hours``: open or closed at an instant, why, the next opening and the target.

The configuration comes from the file SUPPORTBOT_SERVICE_HOURS_FILE names
(docs/service-hours.md); without it the service description's defaults apply.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.service.hours import ClosedReason, HoursStatus, ServiceHours
from bot.service.hours_config import ServiceHoursConfigError, config_from_env

_REASONS = {
    ClosedReason.WEEKEND: "weekend",
    ClosedReason.HOLIDAY: "public holiday",
    ClosedReason.CLOSURE: "configured closure",
    ClosedReason.BEFORE_OPENING: "before opening time",
    ClosedReason.AFTER_CLOSING: "after closing time",
}


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "hours",
        help="is the service open, and when is a request arriving now due",
        description=(
            "Open or closed at an instant and why, the next opening, and the target time "
            "of a request arriving then (2 business hours, service description 1.5)."
        ),
    )
    parser.add_argument(
        "--at",
        metavar="ISO-TIME",
        help="the instant to ask about, e.g. 2026-06-18T15:00 (no offset: Helsinki time; "
        "default: now)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the service-hours status; 2 for a bad --at, 1 for a broken configuration."""
    try:
        hours = ServiceHours(config_from_env())
    except (ServiceHoursConfigError, OSError) as error:
        print(f"supportbot hours: service-hours configuration: {error}", file=sys.stderr)
        return 1
    zone = ZoneInfo(hours.config.timezone)
    try:
        at = _parse_at(args.at, zone)
    except ValueError as error:
        print(f"supportbot hours: {error}", file=sys.stderr)
        return 2
    status = hours.status(at, lang="en")
    if args.json:
        print(json.dumps(_as_json(status, zone), ensure_ascii=False))
    else:
        print("\n".join(_as_lines(status, at, zone, hours)))
    return 0


def _parse_at(raw: str | None, zone: ZoneInfo) -> datetime:
    if raw is None:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(raw.strip())
    except ValueError:
        example = "e.g. 2026-06-18T15:00 or 2026-06-18T12:00+00:00"
        raise ValueError(f"--at {raw!r} is not an ISO 8601 time, {example}") from None
    # A time without an offset is what a Helsinki wall clock shows.
    return at.replace(tzinfo=zone) if at.tzinfo is None else at


def _as_json(status: HoursStatus, zone: ZoneInfo) -> dict[str, object]:
    return {
        "open": status.open,
        "reason": None if status.reason is None else status.reason.value,
        "detail": status.detail,
        "next_open": status.next_open.astimezone(zone).isoformat(),
        "due": status.due.astimezone(zone).isoformat(),
    }


def _as_lines(status: HoursStatus, at: datetime, zone: ZoneInfo, hours: ServiceHours) -> list[str]:
    def shown(instant: datetime) -> str:
        return f"{instant.astimezone(zone):%a %Y-%m-%d %H:%M}"

    if status.open and status.closes_at is not None:
        closes = status.closes_at.astimezone(zone)
        lines = [f"Open at {shown(at)} ({zone.key}); closes at {closes:%H:%M}."]
    else:
        assert status.reason is not None
        why = _REASONS[status.reason] + (f": {status.detail}" if status.detail else "")
        lines = [
            f"Closed at {shown(at)} ({zone.key}) — {why}.",
            f"Next opening: {shown(status.next_open)}.",
        ]
    target_hours = hours.config.target.total_seconds() / 3600
    lines.append(
        f"A request arriving then is due by {shown(status.due)} "
        f"({target_hours:g} business hours later)."
    )
    return lines
