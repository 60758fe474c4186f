"""Customer-facing time phrases in Finnish and English (bot/timefmt.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.timefmt import clock, day_and_time

HEL = ZoneInfo("Europe/Helsinki")


def hel(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=HEL)


@pytest.mark.parametrize(
    ("dt", "fi", "en"),
    [
        (hel(2026, 6, 22, 13, 45), "klo 13.45", "13:45"),
        (hel(2026, 6, 22, 8, 0), "klo 8", "8:00"),
        (hel(2026, 6, 22, 8, 30), "klo 8.30", "8:30"),
        (hel(2026, 6, 22, 8, 5), "klo 8.05", "8:05"),
        (hel(2026, 6, 22, 0, 0), "klo 0", "0:00"),
        # An instant given in UTC is shown on the Helsinki clock (summer: UTC+3, winter: UTC+2).
        (datetime(2026, 6, 22, 10, 45, tzinfo=UTC), "klo 13.45", "13:45"),
        (datetime(2026, 1, 12, 10, 45, tzinfo=UTC), "klo 12.45", "12:45"),
    ],
)
def test_clock(dt: datetime, fi: str, en: str) -> None:
    assert clock(dt, "fi") == fi
    assert clock(dt, "en") == en


NOW = hel(2026, 6, 19, 10, 0)  # a Friday


@pytest.mark.parametrize(
    ("dt", "fi", "en"),
    [
        (hel(2026, 6, 19, 13, 45), "tänään klo 13.45", "today at 13:45"),
        (hel(2026, 6, 20, 8, 0), "huomenna klo 8", "tomorrow at 8:00"),
        (hel(2026, 6, 20, 8, 30), "huomenna klo 8.30", "tomorrow at 8:30"),
        (hel(2026, 6, 22, 8, 0), "maanantaina 22.6. klo 8", "on Monday 22 June at 8:00"),
        (hel(2026, 7, 1, 9, 15), "keskiviikkona 1.7. klo 9.15", "on Wednesday 1 July at 9:15"),
    ],
)
def test_day_and_time(dt: datetime, fi: str, en: str) -> None:
    assert day_and_time(dt, "fi", NOW) == fi
    assert day_and_time(dt, "en", NOW) == en


@pytest.mark.parametrize(
    ("day", "essive", "english"),
    [
        (22, "maanantaina", "Monday"),
        (23, "tiistaina", "Tuesday"),
        (24, "keskiviikkona", "Wednesday"),
        (25, "torstaina", "Thursday"),
        (26, "perjantaina", "Friday"),
        (27, "lauantaina", "Saturday"),
        (28, "sunnuntaina", "Sunday"),
    ],
)
def test_every_weekday(day: int, essive: str, english: str) -> None:
    dt = hel(2026, 6, day, 10, 0)
    now = hel(2026, 6, 1, 12, 0)
    assert day_and_time(dt, "fi", now) == f"{essive} {day}.6. klo 10"
    assert day_and_time(dt, "en", now) == f"on {english} {day} June at 10:00"


def test_today_and_tomorrow_are_helsinki_days() -> None:
    # 22:30 UTC on the 22nd is already 01:30 on the 23rd in Helsinki.
    now = datetime(2026, 6, 22, 22, 30, tzinfo=UTC)
    assert day_and_time(hel(2026, 6, 23, 8, 0), "fi", now) == "tänään klo 8"
    assert day_and_time(hel(2026, 6, 24, 8, 0), "en", now) == "tomorrow at 8:00"
    # Late evening in Helsinki, same UTC date as the next morning's 05:00 UTC.
    evening = hel(2026, 6, 22, 23, 30)
    assert day_and_time(hel(2026, 6, 23, 8, 0), "fi", evening) == "huomenna klo 8"


def test_tomorrow_across_the_year_end() -> None:
    assert day_and_time(hel(2027, 1, 1, 8), "en", hel(2026, 12, 31, 15)) == "tomorrow at 8:00"


def test_a_past_day_reads_as_a_weekday() -> None:
    assert day_and_time(hel(2026, 6, 18, 8), "fi", NOW) == "torstaina 18.6. klo 8"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        clock(datetime(2026, 6, 22, 8), "fi")
    with pytest.raises(ValueError, match="timezone-aware"):
        day_and_time(hel(2026, 6, 22, 8), "en", datetime(2026, 6, 22, 8))


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        clock(NOW, "de")  # type: ignore[arg-type]
