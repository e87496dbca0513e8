"""The business calendar against hand-computed durations (Paris time, holidays, weekends, DST)."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest

from inbox.services.business_hours import BusinessCalendar, CalendarError, easter_sunday, french_public_holidays

PARIS = ZoneInfo("Europe/Paris")
# Weekdays 09:00-12:00 and 14:00-18:00 (7 h), Saturday 09:00-12:00, Christmas Eve 2026 closed.
CALENDAR = BusinessCalendar.from_dict({
    "timezone": "Europe/Paris",
    "hours": {**{d: [["09:00", "12:00"], ["14:00", "18:00"]] for d in
                 ("monday", "tuesday", "wednesday", "thursday", "friday")},
              "saturday": [["09:00", "12:00"]]},
    "closed_days": ["2026-12-24"],
})


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize("start, end, hours", [
    # Overnight: Tuesday 17:00 -> Wednesday 10:30 = 1 h + 1.5 h.
    (paris(2026, 11, 24, 17, 0), paris(2026, 11, 25, 10, 30), 2.5),
    # Weekend: Friday 17:30 -> Monday 09:15 = 0.5 h + Saturday 3 h + 0.25 h.
    (paris(2026, 11, 27, 17, 30), paris(2026, 11, 30, 9, 15), 3.75),
    # Holiday: Tuesday 10 November 17:00 -> Thursday 12 09:30, the 11th is Armistice Day.
    (paris(2026, 11, 10, 17, 0), paris(2026, 11, 12, 9, 30), 1.5),
    # Lunch break: Monday 11:00 -> 15:00.
    (paris(2026, 11, 23, 11, 0), paris(2026, 11, 23, 15, 0), 2.0),
    # Daylight saving time starts on Sunday 29 March 2026: Friday 17:00 -> Monday 09:00 = 1 h + 3 h.
    (paris(2026, 3, 27, 17, 0), paris(2026, 3, 30, 9, 0), 4.0),
    # Closed all along: Christmas Eve (extra closed day) and Christmas Day (holiday).
    (paris(2026, 12, 24, 8, 0), paris(2026, 12, 25, 20, 0), 0.0),
    # Reversed interval.
    (paris(2026, 11, 25, 11, 0), paris(2026, 11, 25, 10, 0), 0.0),
])
def test_business_seconds(start, end, hours):
    assert CALENDAR.business_seconds(start, end) == hours * 3600


def test_add_business_seconds_crosses_closed_time():
    # Friday 17:30 + 2 h = 0.5 h on Friday, then Saturday 09:00 + 1.5 h.
    assert CALENDAR.add_business_seconds(paris(2026, 11, 27, 17, 30), 7200) == paris(2026, 11, 28, 10, 30)
    # Sunday night + 30 min = Monday 09:30.
    assert CALENDAR.add_business_seconds(paris(2026, 11, 29, 23, 0), 1800) == paris(2026, 11, 30, 9, 30)


def test_add_business_days_keeps_the_position_in_the_day():
    # Wednesday 16:00 -> Thursday 16:00.
    assert CALENDAR.add_business_days(paris(2026, 11, 25, 16, 0), 1) == paris(2026, 11, 26, 16, 0)
    # Wednesday 23 December 10:00: 24th closed, 25th holiday, Saturday 26th 10:00.
    assert CALENDAR.add_business_days(paris(2026, 12, 23, 10, 0), 1) == paris(2026, 12, 26, 10, 0)
    # Friday 17:00 (6 h into the day) -> Saturday is 3 h long: its closing time.
    assert CALENDAR.add_business_days(paris(2026, 11, 27, 17, 0), 1) == paris(2026, 11, 28, 12, 0)
    # Saturday 20:00 (closed) counts from Monday 09:00 -> Tuesday 09:00.
    assert CALENDAR.add_business_days(paris(2026, 11, 28, 20, 0), 1) == paris(2026, 12, 1, 9, 0)


def test_easter_and_french_holidays_match_a_reference():
    assert easter_sunday(2024) == date(2024, 3, 31)
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2038) == date(2038, 4, 25)
    for year in range(2010, 2101):
        assert french_public_holidays(year) == set(holidays.France(years=year)), year


def test_invalid_calendars_are_rejected():
    with pytest.raises(CalendarError, match="time zone"):
        BusinessCalendar.from_dict({"timezone": "Mars/Olympus"})
    with pytest.raises(CalendarError, match="closes before it opens"):
        BusinessCalendar.from_dict({"hours": {"monday": [["18:00", "09:00"]]}})
    with pytest.raises(CalendarError, match="YYYY-MM-DD"):
        BusinessCalendar.from_dict({"closed_days": ["24/12/2026"]})


def test_utc_inputs_give_the_same_result():
    start = paris(2026, 11, 24, 17, 0).astimezone(timezone.utc)
    end = paris(2026, 11, 25, 10, 30).astimezone(timezone.utc)
    assert CALENDAR.business_seconds(start, end) == 9000
