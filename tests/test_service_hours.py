"""Service hours and the 2-hour target (bot/service_hours.py, ``supportbot hours``)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.service.hours import ClosedReason, ServiceHours
from bot.service.hours_config import (
    ENV_VAR,
    ChangedHours,
    Closure,
    ServiceHoursConfig,
    ServiceHoursConfigError,
    config_from_env,
    load_config,
    parse_config,
)

HEL = ZoneInfo("Europe/Helsinki")
HOURS = ServiceHours()
FI_EN = holidays.country_holidays("FI", years=range(2025, 2032), language="en_US")


def hel(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=HEL)


def local(dt: datetime) -> datetime:
    return dt.astimezone(HEL)


def holiday_date(year: int, name: str) -> date:
    (day,) = [d for d, n in FI_EN.items() if d.year == year and n == name]
    return day


# ------------------------------------------------------------- concrete cases


@pytest.mark.parametrize("year", [2026, 2027])
def test_thursday_before_midsummer_is_due_on_monday(year: int) -> None:
    eve = holiday_date(year, "Midsummer Eve")
    assert eve.month == 6 and 19 <= eve.day <= 25 and eve.weekday() == 4
    thursday, monday = eve - timedelta(days=1), eve + timedelta(days=3)
    at = hel(year, 6, thursday.day, 15, 0)
    assert local(HOURS.due(at)) == hel(year, 6, monday.day, 9, 0)
    status = HOURS.status(datetime.combine(eve, time(10), tzinfo=HEL), lang="fi")
    assert (status.open, status.reason, status.detail) == (
        False,
        ClosedReason.HOLIDAY,
        "Juhannusaatto",
    )


def test_midsummer_dates_are_what_the_calendar_says() -> None:
    assert holiday_date(2026, "Midsummer Eve") == date(2026, 6, 19)
    assert holiday_date(2027, "Midsummer Eve") == date(2027, 6, 25)


def test_friday_afternoon_is_due_on_monday() -> None:
    assert local(HOURS.due(hel(2026, 9, 11, 15, 30))) == hel(2026, 9, 14, 9, 30)


def test_outputs_are_utc_and_inputs_may_be_in_any_zone() -> None:
    at_utc = datetime(2026, 9, 11, 12, 30, tzinfo=UTC)  # 15:30 in Helsinki
    at_ny = at_utc.astimezone(ZoneInfo("America/New_York"))
    for at in (at_utc, at_ny):
        due = HOURS.due(at)
        assert due.tzinfo is UTC
        assert due == datetime(2026, 9, 14, 6, 30, tzinfo=UTC)
    assert HOURS.next_open(hel(2026, 9, 12, 12)).tzinfo is UTC


@pytest.mark.parametrize(
    ("day", "english", "finnish"),
    [
        (date(2026, 12, 24), "Christmas Eve", "Jouluaatto"),
        (date(2026, 12, 25), "Christmas Day", "Joulupäivä"),
        (date(2026, 12, 26), "Second Day of Christmas", "Tapaninpäivä"),
        (date(2026, 4, 3), "Good Friday", "Pitkäperjantai"),
        (date(2026, 4, 6), "Easter Monday", "Toinen pääsiäispäivä"),
    ],
)
def test_holidays_are_closed_and_named(day: date, english: str, finnish: str) -> None:
    at = datetime.combine(day, time(10), tzinfo=HEL)
    assert not HOURS.is_open(at)
    assert HOURS.status(at).detail == english
    status = HOURS.status(at, lang="fi")
    assert (status.reason, status.detail, status.closes_at) == (ClosedReason.HOLIDAY, finnish, None)


def test_christmas_and_easter_targets() -> None:
    # Wed 23.12.2026 15:00: one hour that day, Christmas Eve to Boxing Day closed.
    assert local(HOURS.due(hel(2026, 12, 23, 15))) == hel(2026, 12, 28, 9)
    # Thu 2.4.2026 15:00: Good Friday, the weekend and Easter Monday closed.
    assert local(HOURS.due(hel(2026, 4, 2, 15))) == hel(2026, 4, 7, 9)
    assert local(HOURS.next_open(hel(2026, 4, 3, 9))) == hel(2026, 4, 7, 8)


CONFIGURED = ServiceHours(
    ServiceHoursConfig(
        closures=(Closure(date(2027, 12, 27), "Välipäivä"),),
        changed=(ChangedHours(date(2027, 4, 30), time(8), time(12), "Vappuaatto"),),
    )
)


def test_configured_closure() -> None:
    status = CONFIGURED.status(hel(2027, 12, 27, 10))
    assert (status.open, status.reason, status.detail) == (False, ClosedReason.CLOSURE, "Välipäivä")
    assert local(status.next_open) == hel(2027, 12, 28, 8)
    # Thu 23.12.2027 15:00: Christmas Eve (Fri), the weekend, then the closure on Monday.
    assert local(CONFIGURED.due(hel(2027, 12, 23, 15))) == hel(2027, 12, 28, 9)
    assert HOURS.is_open(hel(2027, 12, 27, 10))  # no closures by default


def test_changed_hours_close_at_noon() -> None:
    before = CONFIGURED.status(hel(2027, 4, 30, 11))
    assert before.open and local(before.closes_at) == hel(2027, 4, 30, 12)
    after = CONFIGURED.status(hel(2027, 4, 30, 12))
    assert (after.open, after.reason, after.detail) == (
        False,
        ClosedReason.AFTER_CLOSING,
        "Vappuaatto",
    )
    # Half an hour on Friday; 1 May is a Saturday; 1.5 hours on Monday 3 May.
    assert local(CONFIGURED.due(hel(2027, 4, 30, 11, 30))) == hel(2027, 5, 3, 9, 30)
    assert HOURS.is_open(hel(2027, 4, 30, 13))  # not by default


def test_changed_hours_open_a_day_the_calendar_closes() -> None:
    saturday = ServiceHours(
        ServiceHoursConfig(
            changed=(ChangedHours(date(2026, 9, 12), time(10), time(14), "Release"),)
        )
    )
    assert saturday.is_open(hel(2026, 9, 12, 10))
    assert local(saturday.due(hel(2026, 9, 11, 15, 30))) == hel(2026, 9, 12, 11, 30)


def test_one_minute_before_closing() -> None:
    at = hel(2026, 9, 8, 15, 59)  # a Tuesday
    status = HOURS.status(at)
    assert status.open and status.reason is None and status.next_open == at
    assert local(status.due) == hel(2026, 9, 9, 9, 59)


def test_closing_time_itself_is_closed() -> None:
    assert not HOURS.is_open(hel(2026, 9, 8, 16, 0))
    status = HOURS.status(hel(2026, 9, 8, 16, 0))
    assert (status.open, status.reason, status.closes_at) == (
        False,
        ClosedReason.AFTER_CLOSING,
        None,
    )
    assert local(status.next_open) == hel(2026, 9, 9, 8)
    assert local(status.due) == hel(2026, 9, 9, 10)


def test_a_target_ending_at_closing_time_is_due_that_day() -> None:
    assert local(HOURS.due(hel(2026, 9, 8, 14))) == hel(2026, 9, 8, 16)


def test_one_minute_before_opening() -> None:
    status = HOURS.status(hel(2026, 9, 8, 7, 59))
    assert (status.open, status.reason) == (False, ClosedReason.BEFORE_OPENING)
    assert local(status.next_open) == hel(2026, 9, 8, 8)
    assert local(status.due) == hel(2026, 9, 8, 10)
    assert HOURS.status(hel(2026, 9, 8, 8)).open


def test_weekend() -> None:
    status = HOURS.status(hel(2026, 9, 12, 12))
    assert (status.reason, status.detail) == (ClosedReason.WEEKEND, None)


@pytest.mark.parametrize(
    ("friday", "monday", "monday_offset"),
    [
        # Clocks go forward on Sun 29.3.2026 (EET +2 → EEST +3) ...
        (hel(2026, 3, 27, 15, 30), hel(2026, 3, 30, 9, 30), timedelta(hours=3)),
        # ... and back on Sun 25.10.2026 (EEST +3 → EET +2).
        (hel(2026, 10, 23, 15, 30), hel(2026, 10, 26, 9, 30), timedelta(hours=2)),
    ],
)
def test_daylight_saving_weekends(
    friday: datetime, monday: datetime, monday_offset: timedelta
) -> None:
    due = HOURS.due(friday)
    assert local(due) == monday and local(due).utcoffset() == monday_offset
    assert due == (monday.replace(tzinfo=None) - monday_offset).replace(tzinfo=UTC)
    assert HOURS.business_time_between(friday, due) == timedelta(hours=2)
    assert local(HOURS.next_open(friday + timedelta(hours=1))) == monday.replace(hour=8, minute=0)


def test_business_time_between() -> None:
    start, end = hel(2026, 9, 11, 15, 30), hel(2026, 9, 14, 9, 0)
    assert HOURS.business_time_between(start, end) == timedelta(minutes=90)
    assert HOURS.business_time_between(end, start) == -timedelta(minutes=90)
    assert HOURS.business_time_between(hel(2026, 9, 12, 9), hel(2026, 9, 13, 9)) == timedelta(0)


def test_due_with_explicit_work() -> None:
    at = hel(2026, 9, 8, 9)
    assert local(HOURS.due(at, timedelta(hours=8))) == hel(2026, 9, 9, 9)
    assert HOURS.due(at, timedelta(0)) == at
    assert local(HOURS.due(hel(2026, 9, 8, 17), timedelta(0))) == hel(2026, 9, 9, 8)
    with pytest.raises(ValueError, match="negative"):
        HOURS.due(at, timedelta(minutes=-1))


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 9, 8, 9)
    for call in (HOURS.status, HOURS.is_open, HOURS.next_open, HOURS.due):
        with pytest.raises(ValueError, match="timezone-aware"):
            call(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        HOURS.business_time_between(hel(2026, 9, 8, 9), naive)


def test_a_configuration_that_never_opens_fails_loudly() -> None:
    first = date(2026, 9, 1)
    shut = tuple(Closure(first + timedelta(days=i), "Shut") for i in range(500))
    never = ServiceHours(ServiceHoursConfig(closures=shut))
    with pytest.raises(RuntimeError, match="no opening hours"):
        never.due(hel(2026, 9, 8, 9))


# ------------------------------------------------------------- configuration file

EXAMPLE = """\
# Times are Helsinki wall-clock times.
opens: 8:00
closes: "16:00"
target_hours: 2
closures:
  - date: 2026-12-27
    reason: Välipäivä
changed_hours:
  - date: 2027-04-30
    opens: 08:00
    closes: 12:00
    reason: Vappuaatto
"""


def test_load_config(tmp_path: Path) -> None:
    path = tmp_path / "hours.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    config = load_config(path)
    assert config == ServiceHoursConfig(
        closures=(Closure(date(2026, 12, 27), "Välipäivä"),),
        changed=(ChangedHours(date(2027, 4, 30), time(8), time(12), "Vappuaatto"),),
    )


def test_config_from_env(tmp_path: Path) -> None:
    assert config_from_env({}) == ServiceHoursConfig()
    path = tmp_path / "hours.yaml"
    path.write_text("target_hours: 4\nopens: '9'\n", encoding="utf-8")
    config = config_from_env({ENV_VAR: str(path)})
    assert (config.target, config.opens) == (timedelta(hours=4), time(9))


def test_empty_config_file_means_defaults(tmp_path: Path) -> None:
    path = tmp_path / "hours.yaml"
    path.write_text("# nothing configured\n", encoding="utf-8")
    assert load_config(path) == ServiceHoursConfig()


BROKEN = """\
opens: "17:00"
closures:
  - date: 2026-13-27
    reason: Bad month
  - date: 2027-12-27
    reason: Välipäivä
changed_hours:
  - date: 2027-12-27
    opens: 08:00
    closes: 12:00
  - date: 2027-04-30
    opens: 12:00
    closes: 08:00
    reson: typo
"""


def test_config_errors_name_line_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "hours.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ServiceHoursConfigError) as caught:
        load_config(path)
    problems = caught.value.problems
    assert problems == (
        "line 1: service hours: closes 16:00 is not after opens 17:00",
        "line 3: closures entry 1: date: '2026-13-27' is not a date like 2026-12-27",
        "line 8: changed_hours entry 1: 2027-12-27 is already configured"
        " (line 5: closures entry 2)",
        "line 11: changed_hours entry 2: unknown key 'reson'",
        "line 11: changed_hours entry 2: closes 08:00 is not after opens 12:00",
    )
    assert str(caught.value).startswith(f"{path}: line 1: ")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("opens: [8]\n", "opens: ['8'] is not a time like 08:00"),
        ("closes: 25:00\n", "closes: '25:00' is not a time like 16:00"),
        ("timezone: Mars/Olympus\n", "timezone: 'Mars/Olympus' is not a timezone"),
        ("target_hours: -1\n", "target_hours: '-1' is not a number of hours"),
        ("closures: 2026-12-27\n", "closures must be a list"),
        ("closures:\n  - 2026-12-27\n", "closures entry 1: must be a mapping"),
        ("changed_hours:\n  - date: 2027-04-30\n", "changed_hours entry 1: opens is missing"),
        ("opening: 8\n", "unknown key 'opening'"),
        ("opens: [8\n", "not valid YAML"),
    ],
)
def test_config_problems(text: str, problem: str) -> None:
    with pytest.raises(ServiceHoursConfigError) as caught:
        parse_config(text)
    assert problem in str(caught.value)


# ------------------------------------------------------------- supportbot hours


def run_hours(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from bot.cli import main  # here, so the rest of this file does not need every command

    code = main(["hours", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _no_configured_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    for locale in ("LC_ALL", "LC_MESSAGES", "LANG"):  # English unless asked (--lang fi)
        monkeypatch.delenv(locale, raising=False)


KEYS = ("open", "reason", "detail", "next_open", "due")


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param(
            "2026-06-19T10:00",
            (
                False,
                "holiday",
                "Midsummer Eve",
                "2026-06-22T08:00:00+03:00",
                "2026-06-22T10:00:00+03:00",
            ),
            id="holiday",
        ),
        pytest.param(  # Saturday 23:30 in Helsinki, given in UTC, the night clocks go back
            "2026-10-24T21:30:00Z",
            (False, "weekend", None, "2026-10-26T08:00:00+02:00", "2026-10-26T10:00:00+02:00"),
            id="weekend",
        ),
        pytest.param(
            "2026-06-18T15:00",
            (True, None, None, "2026-06-18T15:00:00+03:00", "2026-06-22T09:00:00+03:00"),
            id="open",
        ),
    ],
)
def test_cli_json(
    capsys: pytest.CaptureFixture[str], at: str, expected: tuple[object, ...]
) -> None:
    code, out, _ = run_hours(capsys, "--at", at, "--json")
    assert code == 0
    assert json.loads(out) == dict(zip(KEYS, expected, strict=True))


def test_cli_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_hours(capsys, "--at", "2026-12-24T09:00")
    lines = out.strip().splitlines()
    assert code == 0 and 2 <= len(lines) <= 4
    assert "Closed" in lines[0] and "Christmas Eve" in lines[0]
    assert "Mon 2026-12-28 08:00" in out and "Mon 2026-12-28 10:00" in out


def test_cli_reads_the_configured_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "hours.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(path))
    code, out, _ = run_hours(capsys, "--at", "2027-04-30T12:30", "--json")
    assert code == 0
    assert json.loads(out)["reason"] == "after_closing"
    assert json.loads(out)["detail"] == "Vappuaatto"


def test_cli_bad_time(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_hours(capsys, "--at", "tomorrow", "--json")
    assert code == 2 and out == ""
    assert "not an ISO 8601 time" in err


def test_cli_broken_configuration(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "hours.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(path))
    code, _, err = run_hours(capsys, "--json")
    assert code == 1 and "line 3: closures entry 1" in err


# ------------------------------------------------------------- property test


def reference_is_open(at: datetime, config: ServiceHoursConfig) -> bool:
    """Obviously correct: read the Helsinki wall clock and the rules as written."""
    wall = at.astimezone(HEL)
    changed = {c.day: c for c in config.changed}
    if wall.date() in changed:
        entry = changed[wall.date()]
        return entry.opens <= wall.time() < entry.closes
    if wall.date() in {c.day for c in config.closures}:
        return False
    if wall.date() in FI_EN or wall.weekday() >= 5:
        return False
    return config.opens <= wall.time() < config.closes


MINUTE = timedelta(minutes=1)


def brute_force(at: datetime, config: ServiceHoursConfig) -> tuple[datetime, datetime]:
    """First open minute and the end of the target's last open minute, one minute at a time."""
    first_open, counted, minute = None, timedelta(0), at
    for _ in range(14 * 24 * 60):
        if reference_is_open(minute, config):
            first_open = first_open or minute
            counted += MINUTE
            if counted == config.target:
                return first_open, minute + MINUTE
        minute += MINUTE
    raise AssertionError("the target was not reached within two weeks")


@st.composite
def instants_and_configs(draw: st.DrawFn) -> tuple[datetime, ServiceHoursConfig]:
    zone = draw(st.sampled_from([UTC, HEL, ZoneInfo("America/New_York")]))
    at = draw(st.datetimes(datetime(2025, 1, 1), datetime(2030, 12, 31), timezones=st.just(zone)))
    # Minute-aligned, so that counting whole minutes is exact.
    at = at.replace(second=0, microsecond=0)
    # Often exactly at, or a minute off, an opening or closing time.
    snap = draw(
        st.sampled_from([None, None, time(8), time(16), time(7, 59), time(15, 59), time(14)])
    )
    if snap is not None:
        at = datetime.combine(at.astimezone(HEL).date(), snap, tzinfo=HEL).astimezone(zone)
    # Exceptions land within days of the arrival, where they matter.
    offsets = draw(st.lists(st.integers(0, 9), unique=True, max_size=4))
    closures, changed = [], []
    for offset in offsets:
        day = at.astimezone(HEL).date() + timedelta(days=offset)
        if draw(st.booleans()):
            closures.append(Closure(day, "Closed"))
        else:
            opens = time(draw(st.integers(6, 14)), draw(st.sampled_from([0, 15, 30, 45])))
            length = timedelta(minutes=draw(st.integers(15, 8 * 60)))
            closes = (datetime.combine(day, opens) + length).time()
            changed.append(ChangedHours(day, opens, closes, "Changed"))
    config = ServiceHoursConfig(closures=tuple(closures), changed=tuple(changed))
    return at, config


@settings(max_examples=200, deadline=None)
@given(instants_and_configs())
def test_due_matches_a_minute_by_minute_count(case: tuple[datetime, ServiceHoursConfig]) -> None:
    at, config = case
    hours = ServiceHours(config)
    first_open, due = brute_force(at, config)
    for instant in (at, due, due - MINUTE, first_open, first_open - MINUTE):
        assert hours.is_open(instant) == reference_is_open(instant, config)
    assert hours.status(at).open == hours.is_open(at)
    # As instants (UTC): an aware datetime in a repeated hour never equals one of
    # another zone (PEP 495), though both name the same moment.
    assert hours.next_open(at).astimezone(UTC) == first_open.astimezone(UTC)
    assert hours.due(at).astimezone(UTC) == due.astimezone(UTC)
    assert hours.business_time_between(at, hours.due(at)) == config.target
