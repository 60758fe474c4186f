"""``supportbot hours``: open or closed at an instant, why, the next opening and the target.

The configuration comes from the file SUPPORTBOT_SERVICE_HOURS_FILE names
(docs/service-hours.md); without it the service description's defaults apply.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.core.texts import Catalogue
from bot.service.hours import HoursStatus, ServiceHours
from bot.service.hours_config import ServiceHoursConfigError, config_from_env

_FI_DAYS = ("ma", "ti", "ke", "to", "pe", "la", "su")


def user_language(env: Mapping[str, str]) -> str:
    """Finnish for a Finnish locale (LC_ALL, LC_MESSAGES or LANG), English otherwise."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(name):
            return "fi" if env[name].lower().startswith("fi") else "en"
    return "en"


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
    parser.add_argument(
        "--lang", choices=("fi", "en"), default=None,
        help="the language of the answer (default: Finnish under a Finnish locale, else English)",
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
    lang: Literal["fi", "en"] = "fi" if (args.lang or user_language(os.environ)) == "fi" else "en"
    status = hours.status(at, lang=lang)
    if args.json:
        print(json.dumps(_as_json(status, zone), ensure_ascii=False))
    else:
        texts = Catalogue.load()
        print("\n".join(_as_lines(status, at, hours, texts, lang)))
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


def _shown(instant: datetime, zone: ZoneInfo, lang: str) -> str:
    local = instant.astimezone(zone)
    if lang == "fi":
        return f"{_FI_DAYS[local.weekday()]} {local:%d.%m.%Y} klo {local:%H.%M}"
    return f"{local:%a %Y-%m-%d %H:%M}"


def _as_lines(
    status: HoursStatus, at: datetime, hours: ServiceHours, texts: Catalogue, lang: str
) -> list[str]:
    zone = ZoneInfo(hours.config.timezone)

    def text(key: str, **params: object) -> str:
        return texts.get(lang, f"cli.hours.{key}", **params)

    shown = {"at": _shown(at, zone, lang), "zone": zone.key}
    if status.open and status.closes_at is not None:
        closes = status.closes_at.astimezone(zone)
        closing = f"{closes:%H.%M}" if lang == "fi" else f"{closes:%H:%M}"
        lines = [text("open", closes=closing, **shown)]
    else:
        assert status.reason is not None
        why = text(status.reason.value) + (f": {status.detail}" if status.detail else "")
        lines = [
            text("closed", why=why, **shown),
            text("next_open", at=_shown(status.next_open, zone, lang)),
        ]
    target_hours = f"{hours.config.target.total_seconds() / 3600:g}"
    lines.append(text("due", due=_shown(status.due, zone, lang), target=target_hours))
    return lines
