"""SLA warnings before the deadline and notices at breach, each sent once per cycle."""
from sqlalchemy import select, update

from ..extensions import db
from ..models import Conversation, ConversationCycle
from ..models.base import utcnow
from . import notifications

Cycle = ConversationCycle


def check(now=None) -> dict:
    """Notify the assignee and the supervisors of cycles near or past their deadline."""
    now = now or utcnow()
    waiting = [Cycle.first_response_at.is_(None), Cycle.resolved_at.is_(None), Cycle.sla_due_at.is_not(None)]
    breached = db.session.scalars(select(Cycle).where(
        *waiting, Cycle.sla_due_at <= now, Cycle.sla_breach_notified_at.is_(None))).all()
    warned = db.session.scalars(select(Cycle).where(
        *waiting, Cycle.sla_warn_at <= now, Cycle.sla_due_at > now, Cycle.sla_warned_at.is_(None))).all()
    counts = {"warnings": 0, "breaches": 0}
    created = []
    for cycle, column, kind in [(c, "sla_breach_notified_at", "sla.breach") for c in breached] + \
                               [(c, "sla_warned_at", "sla.warning") for c in warned]:
        # Claim the notice atomically: a concurrent sweeper cannot send it twice.
        claimed = db.session.execute(update(Cycle).where(Cycle.id == cycle.id, getattr(Cycle, column).is_(None))
                                     .values({column: now}).execution_options(synchronize_session=False)).rowcount
        if not claimed:
            continue
        conversation = db.session.get(Conversation, cycle.conversation_id)
        if conversation.status not in ("open", "pending"):
            continue
        minutes_left = max(int((cycle.sla_due_at - now).total_seconds() // 60), 0)
        created += notifications.notify([conversation.assignee, *notifications.supervisors()], kind,
                                        conversation_id=conversation.id, urgency=cycle.urgency or "normal",
                                        due_at=cycle.sla_due_at.isoformat(), minutes_left=minutes_left)
        counts["breaches" if kind == "sla.breach" else "warnings"] += 1
    db.session.commit()
    notifications.publish_created(created)  # the header counters update live
    return counts
