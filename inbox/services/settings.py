"""Institution settings kept in the database: the business calendar and the SLA targets."""
import json

from flask import current_app, g
from sqlalchemy import select

from ..extensions import db
from ..models import URGENCIES, Setting
from .business_hours import BusinessCalendar, CalendarError

CALENDAR_KEY = "business_calendar"
SLA_KEY = "sla_targets"
# A target is {"minutes": n, "clock": "wall" | "business"} or {"business_days": n}, or None (no SLA).
DEFAULT_SLA_TARGETS = {
    "critical": {"minutes": 30, "clock": "wall"},
    "high": {"minutes": 120, "clock": "business"},
    "normal": {"business_days": 1},
    "low": None,
}


class SettingsError(ValueError):
    """An invalid setting; the message names the problem."""


def _get(key: str):
    """A setting's value; the calendar and the SLA targets are read together (one query for both,
    once per request or job: ingestion needs both for every new conversation)."""
    rows = g.get("_parvis_setting_rows")
    if rows is None:
        rows = g._parvis_setting_rows = dict(db.session.execute(
            select(Setting.key, Setting.value).where(Setting.key.in_((CALENDAR_KEY, SLA_KEY)))).all())
    if key in (CALENDAR_KEY, SLA_KEY):
        return rows.get(key)
    row = db.session.get(Setting, key)
    return None if row is None else row.value


def prime(values: dict) -> None:
    """The calendar and SLA targets as read by the caller's own query (ingestion reads them with
    its lookup: one round trip less); keys with a None value are absent rows."""
    if g.get("_parvis_setting_rows") is None:
        g._parvis_setting_rows = {key: value for key, value in values.items() if value is not None}


def _put(key: str, value) -> None:
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    g.pop("_parvis_settings", None)
    g.pop("_parvis_setting_rows", None)


def _cache() -> dict:
    if "_parvis_settings" not in g:
        g._parvis_settings = {}
    return g._parvis_settings


# The parsed calendar per stored value: parsing and checking it on every request cost more than
# the deadline it serves (the value itself is still read from the database once per request).
_PARSED_CALENDARS: dict[str, BusinessCalendar] = {}


def calendar() -> BusinessCalendar:
    cache = _cache()
    if CALENDAR_KEY not in cache:
        data = _get(CALENDAR_KEY) or {"timezone": current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Paris")}
        key = json.dumps(data, sort_keys=True, default=str)
        parsed = _PARSED_CALENDARS.get(key)
        if parsed is None:
            parsed = BusinessCalendar.from_dict(data)
            if len(_PARSED_CALENDARS) > 100:
                _PARSED_CALENDARS.clear()
            _PARSED_CALENDARS[key] = parsed
        cache[CALENDAR_KEY] = parsed
    return cache[CALENDAR_KEY]


def save_calendar(data: dict) -> BusinessCalendar:
    """Validate and store the calendar (the caller commits)."""
    try:
        value = BusinessCalendar.from_dict(data)
    except CalendarError as exc:
        raise SettingsError(str(exc)) from None
    _put(CALENDAR_KEY, value.to_dict())
    return value


def validate_sla_targets(data: dict) -> dict:
    targets = {}
    for urgency in URGENCIES:
        target = data.get(urgency)
        if target is None:
            targets[urgency] = None
        elif isinstance(target, dict) and set(target) == {"business_days"}:
            days = target["business_days"]
            if not isinstance(days, int) or not 1 <= days <= 30:
                raise SettingsError(f"{urgency}: business days must be a whole number from 1 to 30")
            targets[urgency] = {"business_days": days}
        elif isinstance(target, dict) and set(target) == {"minutes", "clock"}:
            minutes, clock = target["minutes"], target["clock"]
            if not isinstance(minutes, int) or not 1 <= minutes <= 60 * 24 * 30:
                raise SettingsError(f"{urgency}: minutes must be a whole number from 1 to 43200")
            if clock not in ("wall", "business"):
                raise SettingsError(f"{urgency}: clock must be wall or business")
            targets[urgency] = {"minutes": minutes, "clock": clock}
        else:
            raise SettingsError(f"{urgency}: expected minutes and clock, business days, or nothing")
    return targets


def sla_targets() -> dict:
    cache = _cache()
    if SLA_KEY not in cache:
        cache[SLA_KEY] = _get(SLA_KEY) or dict(DEFAULT_SLA_TARGETS)
    return cache[SLA_KEY]


def save_sla_targets(data: dict) -> dict:
    targets = validate_sla_targets(data)
    _put(SLA_KEY, targets)
    return targets
