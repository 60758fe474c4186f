"""Times as customers read them, in Finnish, English and Swedish, in Helsinki local time.

This is locale data (weekdays, months, the Finnish "klo 8.30" style), so it
lives here and nowhere else; message templates embed the phrases it returns.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Language = Literal["fi", "en", "sv"]

LOCAL_ZONE = ZoneInfo("Europe/Helsinki")

# Finnish weekdays in the essive ("on Monday" = "maanantaina"), Monday first.
_FI_WEEKDAYS = (
    "maanantaina",
    "tiistaina",
    "keskiviikkona",
    "torstaina",
    "perjantaina",
    "lauantaina",
    "sunnuntaina",
)
# Swedish as written in Finland: "på måndag 22.6 kl. 8".
_SV_WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def clock(dt: datetime, lang: Language) -> str:
    """The local time of day: Finnish "klo 13.45" (whole hours "klo 8"), English "13:45"."""
    local = _local(dt)
    if lang == "fi":
        minutes = f".{local.minute:02d}" if local.minute else ""
        return f"klo {local.hour}{minutes}"
    if lang == "en":
        return f"{local.hour}:{local.minute:02d}"
    if lang == "sv":
        minutes = f".{local.minute:02d}" if local.minute else ""
        return f"kl. {local.hour}{minutes}"
    raise ValueError(f"unsupported language {lang!r}")


def day_and_time(dt: datetime, lang: Language, now: datetime) -> str:
    """When ``dt`` is, as seen at ``now``: "tänään klo 13.45" / "today at 13:45",
    "huomenna klo 8" / "tomorrow at 8:00", otherwise "maanantaina 22.6. klo 8" /
    "on Monday 22 June at 8:00". Calendar days are Helsinki days."""
    local, today = _local(dt), _local(now).date()
    time_of_day = clock(dt, lang)
    words = {"fi": ("tänään", "huomenna"), "sv": ("i dag", "i morgon")}
    if local.date() == today:
        return f"{words[lang][0]} {time_of_day}" if lang in words else f"today at {time_of_day}"
    if local.date() == today + timedelta(days=1):
        return f"{words[lang][1]} {time_of_day}" if lang in words else f"tomorrow at {time_of_day}"
    if lang == "fi":
        return f"{_FI_WEEKDAYS[local.weekday()]} {local.day}.{local.month}. {time_of_day}"
    if lang == "sv":
        return f"på {_SV_WEEKDAYS[local.weekday()]} {local.day}.{local.month} {time_of_day}"
    weekday, month = _EN_WEEKDAYS[local.weekday()], _EN_MONTHS[local.month - 1]
    return f"on {weekday} {local.day} {month} at {time_of_day}"


def _local(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is required, got naive {dt.isoformat()}")
    return dt.astimezone(LOCAL_ZONE)


def date_text(dt: datetime | date, lang: str) -> str:
    """A calendar date: Finnish "31.12.2024", English "31 December 2024" (Helsinki days)."""
    day = _local(dt).date() if isinstance(dt, datetime) else dt
    if lang == "en":
        return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"
    return f"{day.day}.{day.month}.{day.year}"


def local_date(dt: datetime) -> date:
    """The Helsinki calendar day of an instant (contracts end on Finnish days)."""
    return _local(dt).date()
