"""Template helpers for alerts: the crisis banner, the unread notifications, the SLA countdown."""
from flask import g
from flask_login import current_user
from sqlalchemy import func, select

from .extensions import db
from .models import ConversationCycle
from .models.base import utcnow


def crisis_alerts():
    from .services.crisis import active_alerts

    return active_alerts() if current_user.is_authenticated else []


def unread_notifications() -> int:
    from .services.notifications import unread_count

    return unread_count(current_user) if current_user.is_authenticated else 0


def preload_current_cycles(conversation_ids) -> None:
    """Load the current cycle of every listed conversation in one query (no query per row, issue #8)."""
    ids = list(conversation_ids)
    latest = (select(ConversationCycle.conversation_id, func.max(ConversationCycle.seq).label("seq"))
              .where(ConversationCycle.conversation_id.in_(ids)).group_by(ConversationCycle.conversation_id)
              .subquery())
    cycles = db.session.scalars(select(ConversationCycle).join(
        latest, (ConversationCycle.conversation_id == latest.c.conversation_id)
        & (ConversationCycle.seq == latest.c.seq))).all() if ids else []
    g.current_cycles = {cycle.conversation_id: cycle for cycle in cycles}
    g.current_cycles_ids = set(ids)


def _current_cycle(conversation):
    if conversation.id in g.get("current_cycles_ids", ()):
        return g.current_cycles.get(conversation.id)
    return db.session.scalars(select(ConversationCycle).where(ConversationCycle.conversation_id == conversation.id)
                              .order_by(ConversationCycle.seq.desc()).limit(1)).first()


def sla_countdown(conversation) -> dict | None:
    """{"state": "warning" | "breached", "seconds_left"} for a waiting conversation near or past its deadline."""
    cycle = _current_cycle(conversation)
    if cycle is None or cycle.sla_due_at is None or cycle.first_response_at or cycle.resolved_at:
        return None
    now = utcnow()
    if now >= cycle.sla_due_at:
        return {"state": "breached", "seconds_left": 0, "due_at": cycle.sla_due_at}
    if cycle.sla_warn_at and now >= cycle.sla_warn_at:
        return {"state": "warning", "seconds_left": (cycle.sla_due_at - now).total_seconds(), "due_at": cycle.sla_due_at}
    return None


def init_app(app):
    from .services.notifications import scope_label, signal_label

    app.jinja_env.globals.update(crisis_alerts=crisis_alerts, unread_notifications=unread_notifications,
                                 sla_countdown=sla_countdown, crisis_scope_label=scope_label)
    app.jinja_env.filters["crisis_signal_label"] = signal_label
