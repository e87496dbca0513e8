"""The institution's calendar: opening hours per weekday, time zone, French public holidays, closed days.

Business time between two instants is the part of [start, end) that falls inside opening hours
on an open day, in the institution's time zone (so DST changes are handled by zoneinfo).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_HOURS = {day: [("08:30", "12:30"), ("13:30", "17:30")] for day in WEEKDAYS[:5]}


class CalendarError(ValueError):
    """An invalid calendar setting (unknown time zone, malformed hours...)."""


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (the algorithm's own names)
    m = (a + 11 * h + 19 * l) // 433
    month = (h + l - 7 * m + 90) // 25
    day = (h + l - 7 * m + 33 * month + 19) % 32
    return date(year, month, day)


@lru_cache(maxsize=256)
def french_public_holidays(year: int) -> frozenset:
    """The eleven public holidays of metropolitan France (Code du travail, L3133-1)."""
    easter = easter_sunday(year)
    return frozenset({
        date(year, 1, 1), easter + timedelta(days=1), date(year, 5, 1), date(year, 5, 8),
        easter + timedelta(days=39), easter + timedelta(days=50), date(year, 7, 14),
        date(year, 8, 15), date(year, 11, 1), date(year, 11, 11), date(year, 12, 25),
    })


def _parse_time(value: str) -> time:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes)) if value != "24:00" else time.max
    except ValueError:
        raise CalendarError(f"invalid time {value!r}, expected HH:MM") from None


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "Europe/Paris"
    # weekday name -> list of (opening, closing) "HH:MM" pairs
    hours: dict = field(default_factory=lambda: dict(DEFAULT_HOURS))
    closed_days: frozenset = frozenset()
    public_holidays: bool = True

    @cached_property
    def cache_key(self) -> tuple:
        """The calendar as a hashable value (for results computed from it, e.g. SLA deadlines)."""
        hours = tuple(sorted((day, tuple(tuple(span) for span in spans)) for day, spans in self.hours.items()))
        return self.timezone, hours, frozenset(self.closed_days), self.public_holidays

    def __post_init__(self):
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(f"unknown time zone {self.timezone!r}") from None
        for day, spans in self.hours.items():
            if day not in WEEKDAYS:
                raise CalendarError(f"unknown weekday {day!r}")
            previous = None
            for start, end in spans:
                if _parse_time(start) >= _parse_time(end):
                    raise CalendarError(f"{day}: {start}-{end} closes before it opens")
                if previous is not None and _parse_time(start) < previous:
                    raise CalendarError(f"{day}: opening hours overlap or are not in order")
                previous = _parse_time(end)

    @classmethod
    def from_dict(cls, data: dict) -> "BusinessCalendar":
        try:
            closed = frozenset(date.fromisoformat(d) for d in data.get("closed_days", []))
        except (TypeError, ValueError):
            raise CalendarError("closed days must be dates YYYY-MM-DD") from None
        hours = {day: [tuple(span) for span in spans] for day, spans in data.get("hours", DEFAULT_HOURS).items()}
        return cls(timezone=data.get("timezone", "Europe/Paris"), hours=hours, closed_days=closed,
                   public_holidays=bool(data.get("public_holidays", True)))

    def to_dict(self) -> dict:
        return {"timezone": self.timezone, "hours": {d: [list(s) for s in v] for d, v in self.hours.items()},
                "closed_days": sorted(d.isoformat() for d in self.closed_days),
                "public_holidays": self.public_holidays}

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open_day(self, day: date) -> bool:
        if day in self.closed_days:
            return False
        if self.public_holidays and day in french_public_holidays(day.year):
            return False
        return bool(self.hours.get(WEEKDAYS[day.weekday()]))

    @cached_property
    def _spans_by_day(self) -> dict:
        return {}

    def open_spans(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The day's opening spans as aware UTC datetimes (remembered per day: deadlines ask for
        the same few days again and again)."""
        cache = self._spans_by_day
        spans = cache.get(day)
        if spans is None:
            if len(cache) >= 4096:
                cache.clear()
            spans = cache[day] = tuple(self._compute_open_spans(day))
        return spans

    def _compute_open_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_open_day(day):
            return []
        zone = self.zone
        spans = []
        for start, end in self.hours[WEEKDAYS[day.weekday()]]:
            opening = datetime.combine(day, _parse_time(start), zone)
            closing = (datetime.combine(day + timedelta(days=1), time(0), zone) if end == "24:00"
                       else datetime.combine(day, _parse_time(end), zone))
            spans.append((opening.astimezone(timezone.utc), closing.astimezone(timezone.utc)))
        return spans

    def _local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of [start, end) inside opening hours (0 if end <= start)."""
        if end <= start:
            return 0.0
        total = 0.0
        day, last = self._local_day(start), self._local_day(end)
        while day <= last:
            for opening, closing in self.open_spans(day):
                overlap = (min(closing, end) - max(opening, start)).total_seconds()
                if overlap > 0:
                    total += overlap
            day += timedelta(days=1)
        return total

    def add_business_seconds(self, start: datetime, seconds: float, max_days: int = 3660) -> datetime:
        """The instant when `seconds` of business time have passed since `start`."""
        remaining = seconds
        day = self._local_day(start)
        for _ in range(max_days):
            for opening, closing in self.open_spans(day):
                begin = max(opening, start)
                if begin >= closing:
                    continue
                available = (closing - begin).total_seconds()
                if remaining <= available:
                    return begin + timedelta(seconds=remaining)
                remaining -= available
            day += timedelta(days=1)
        raise CalendarError("the calendar has no opening hours in the next ten years")

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """Same position in the opening hours, `days` business days later.

        A start outside opening hours counts from the next opening. The position is the business
        time already elapsed that day; on a shorter day the deadline is its closing time.
        """
        begin = self.add_business_seconds(start, 0)
        day = self._local_day(begin)
        spans = self.open_spans(day)
        elapsed = self.business_seconds(spans[0][0], begin)
        for _ in range(days):
            day += timedelta(days=1)
            while not self.is_open_day(day):
                day += timedelta(days=1)
        spans = self.open_spans(day)
        day_length = sum((c - o).total_seconds() for o, c in spans)
        if elapsed >= day_length:
            return spans[-1][1]
        return self.add_business_seconds(spans[0][0], elapsed)
