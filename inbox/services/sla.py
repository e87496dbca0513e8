"""SLA deadlines: each inbound message waiting for a first response has a deadline from its urgency.

A cycle's deadline is the earliest deadline of its inbound messages before the first response
(a critical message arriving late in a normal conversation tightens it). A message not yet
classified counts as normal until the classifier decides.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import URGENCY_RANK, ConversationCycle, Message
from . import settings

DEFAULT_WARN_FRACTION = 0.8


def deadline(start: datetime, urgency: str, targets=None, calendar=None) -> tuple[datetime, datetime] | None:
    """(due, warn) for a message of this urgency received at `start`, or None without a target."""
    targets = targets if targets is not None else settings.sla_targets()
    target = targets.get(urgency)
    if not target:
        return None
    calendar = calendar or settings.calendar()
    fraction = current_app.config.get("SLA_WARN_FRACTION", DEFAULT_WARN_FRACTION)
    if "business_days" in target:
        due = calendar.add_business_days(start, target["business_days"])
    elif target["clock"] == "wall":
        due = start + timedelta(minutes=target["minutes"])
        return due, start + (due - start) * fraction
    else:
        due = calendar.add_business_seconds(start, target["minutes"] * 60)
    warn = calendar.add_business_seconds(start, calendar.business_seconds(start, due) * fraction)
    return due, warn


def _cycle_values(cycle: ConversationCycle, rows) -> dict:
    """The urgency and deadline columns a waiting cycle should have, from the (created_at,
    urgency, classify_status) rows of its conversation's inbound messages since it started."""
    targets, calendar = settings.sla_targets(), settings.calendar()
    best, severe = None, None
    for created_at, urgency, status in rows:
        classified = status == "done" and urgency in URGENCY_RANK
        if classified and (severe is None or URGENCY_RANK[urgency] < URGENCY_RANK[severe]):
            severe = urgency
        candidate = deadline(created_at, urgency if classified else "normal", targets, calendar)
        if candidate and (best is None or candidate[0] < best[0]):
            best = candidate
    due, warn = best if best else (None, None)
    warned = cycle.sla_warned_at
    if cycle.sla_due_at is not None and due is not None and due < cycle.sla_due_at \
            and cycle.sla_breach_notified_at is None:
        warned = None  # a tighter deadline deserves its own warning
    return {"urgency": severe, "sla_due_at": due, "sla_warn_at": warn, "sla_warned_at": warned}


def _waiting(cycle: ConversationCycle) -> bool:
    return cycle.first_response_at is None and cycle.first_inbound_at is not None


def refresh_cycle(cycle: ConversationCycle) -> None:
    """Recompute the cycle's urgency and deadline while it waits for its first response."""
    if not _waiting(cycle):
        return
    db.session.flush()
    rows = db.session.execute(select(Message.created_at, Message.urgency, Message.classify_status).where(
        Message.conversation_id == cycle.conversation_id, Message.direction == "in",
        Message.created_at >= cycle.first_inbound_at)).all()
    for key, value in _cycle_values(cycle, rows).items():
        setattr(cycle, key, value)


def refresh_conversations(conversation_ids) -> None:
    """After classification or moderation: refresh the deadlines of the cycles still waiting.

    Three statements whatever the number of conversations: the waiting cycles, the inbound
    messages of their conversations since the earliest cycle start, one UPDATE executed for
    the cycles whose values changed (executemany).
    """
    ids = list(set(conversation_ids))
    if not ids:
        return
    db.session.flush()
    cycles = db.session.scalars(select(ConversationCycle).where(
        ConversationCycle.conversation_id.in_(ids), ConversationCycle.first_response_at.is_(None),
        ConversationCycle.resolved_at.is_(None), ConversationCycle.first_inbound_at.is_not(None))).all()
    if not cycles:
        return
    since = min(cycle.first_inbound_at for cycle in cycles)
    by_conversation: dict[int, list] = {cycle.conversation_id: [] for cycle in cycles}
    for conversation_id, created_at, urgency, status in db.session.execute(
            select(Message.conversation_id, Message.created_at, Message.urgency, Message.classify_status).where(
                Message.conversation_id.in_(list(by_conversation)), Message.direction == "in",
                Message.created_at >= since)):
        by_conversation[conversation_id].append((created_at, urgency, status))
    changes = []
    for cycle in cycles:
        rows = [row for row in by_conversation[cycle.conversation_id] if row[0] >= cycle.first_inbound_at]
        values = _cycle_values(cycle, rows)
        if any(getattr(cycle, key) != value for key, value in values.items()):
            changes.append((cycle, values))
    if not changes:
        return
    table = ConversationCycle.__table__
    db.session.execute(
        update(table).where(table.c.id == bindparam("b_id")).values(
            **{key: bindparam(f"b_{key}") for key in changes[0][1]}),
        [{"b_id": cycle.id, **{f"b_{key}": value for key, value in values.items()}} for cycle, values in changes])
    for cycle, values in changes:  # the Core statement bypassed the session: align the loaded objects
        for key, value in values.items():
            set_committed_value(cycle, key, value)
