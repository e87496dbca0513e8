"""The audit trail: every staff action is recorded with who, what, when and from where."""
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent, User


def record(action: str, target=None, user=None, **detail) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    ip = request.remote_addr if has_request_context() else None
    event = AuditEvent(
        user_id=user.id if user is not None else None,
        action=action,
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=getattr(target, "id", None),
        detail=detail or None,
        ip=ip,
    )
    db.session.add(event)
    return event


@dataclass
class AuditFilters:
    """Filters from a query string: user id, action prefix, date range (inclusive days, UTC)."""

    user_id: int | None = None
    action: str | None = None
    start: date | None = None
    end: date | None = None
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> "AuditFilters":
        filters = cls()
        if args.get("user"):
            try:
                filters.user_id = int(args["user"])
            except ValueError:
                filters.errors["user"] = "must be a user id"
        action = (args.get("action") or "").strip()
        filters.action = action[:40] or None
        for name in ("start", "end"):
            if args.get(name):
                try:
                    setattr(filters, name, date.fromisoformat(args[name]))
                except ValueError:
                    filters.errors[name] = "must be a date YYYY-MM-DD"
        return filters

    def as_args(self) -> dict:
        args = {"user": self.user_id, "action": self.action,
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None}
        return {k: v for k, v in args.items() if v is not None}


def events_query(filters: AuditFilters):
    """The audit events matching the filters, newest first."""
    query = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if filters.user_id is not None:
        query = query.where(AuditEvent.user_id == filters.user_id)
    if filters.action:
        query = query.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.start:
        query = query.where(AuditEvent.created_at >= datetime.combine(filters.start, time.min, timezone.utc))
    if filters.end:
        query = query.where(AuditEvent.created_at < datetime.combine(filters.end + timedelta(days=1),
                                                                     time.min, timezone.utc))
    return query


CSV_COLUMNS = ("id", "created_at", "user_id", "user_email", "action", "target_type", "target_id", "ip", "detail")


def _csv_safe(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a cell never starts with = + - @."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def csv_rows(events, users: dict[int, User]):
    """Rows for a CSV export, header first."""
    yield CSV_COLUMNS
    for event in events:
        user = users.get(event.user_id)
        yield tuple(_csv_safe(v) for v in (
            event.id, event.created_at.isoformat(), event.user_id, user.email if user else None,
            event.action, event.target_type, event.target_id, event.ip,
            json.dumps(event.detail, ensure_ascii=False, sort_keys=True) if event.detail else None))
