"""First supervisor figures: counts, urgency and sentiment, first response times."""
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import func, select

from ..extensions import db
from ..models import Conversation, Message
from ..models.base import utcnow


def _median_first_response(since: datetime) -> float | None:
    rows = db.session.execute(
        select(Conversation.opened_at, Conversation.first_response_at)
        .where(Conversation.first_response_at >= since)
    ).all()
    durations = [(answered - opened).total_seconds() for opened, answered in rows if answered >= opened]
    return median(durations) if durations else None


def overview(start: datetime | None = None, end: datetime | None = None) -> dict:
    """Figures for the supervisor page and GET /api/v1/stats over [start, end)."""
    now = utcnow()
    end = end or now
    start = start or end - timedelta(days=30)
    by_status = dict(db.session.execute(
        select(Conversation.status, func.count()).group_by(Conversation.status)).all())
    in_range = (Message.direction == "in", Message.created_at >= start, Message.created_at < end)
    by_urgency = dict(db.session.execute(
        select(Message.urgency, func.count()).where(*in_range, Message.urgency.is_not(None))
        .group_by(Message.urgency)).all())
    by_sentiment = dict(db.session.execute(
        select(Message.sentiment, func.count()).where(*in_range, Message.sentiment.is_not(None))
        .group_by(Message.sentiment)).all())
    received = db.session.scalar(select(func.count()).select_from(Message).where(*in_range))
    oldest = db.session.execute(
        select(Conversation.id, Conversation.waiting_since)
        .where(Conversation.status == "open", Conversation.waiting_since.is_not(None))
        .order_by(Conversation.waiting_since).limit(1)
    ).first()
    return {
        "from": start.isoformat(), "to": end.isoformat(),
        "conversations": {s: by_status.get(s, 0) for s in ("open", "pending", "resolved", "snoozed")},
        "messages_received": received,
        "urgency": {u: by_urgency.get(u, 0) for u in ("critical", "high", "normal", "low")},
        "sentiment": {s: by_sentiment.get(s, 0) for s in ("negative", "neutral", "positive")},
        "median_first_response_seconds": {
            "7d": _median_first_response(now - timedelta(days=7)),
            "30d": _median_first_response(now - timedelta(days=30)),
        },
        "oldest_waiting": None if oldest is None else {
            "conversation_id": oldest.id,
            "waiting_since": oldest.waiting_since.isoformat(),
            "waiting_seconds": (now - oldest.waiting_since).total_seconds(),
        },
    }
