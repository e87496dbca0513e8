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
# (start, target, calendar, fraction) -> (due, warn): a pure function of its key, and
# recomputed for every waiting message of a conversation each time a message arrives in it.
_DEADLINES: dict = {}


def deadline(start: datetime, urgency: str, targets=None, calendar=None) -> tuple[datetime, datetime] | None:
    """(due, warn) for a message of this urgency received at `start`, or None without a target."""
    targets = targets if targets is not None else settings.sla_targets()
    target = targets.get(urgency)
    if not target:
        return None
    calendar = calendar or settings.calendar()
    fraction = current_app.config.get("SLA_WARN_FRACTION", DEFAULT_WARN_FRACTION)
    key = (start, tuple(sorted(target.items())), calendar.cache_key, fraction)
    result = _DEADLINES.get(key)
    if result is None:
        if len(_DEADLINES) >= 10_000:
            _DEADLINES.clear()
        result = _DEADLINES[key] = _compute_deadline(start, target, calendar, fraction)
    return result


def _compute_deadline(start: datetime, target: dict, calendar, fraction: float) -> tuple[datetime, datetime]:
    if "business_days" in target:
        due = calendar.add_business_days(start, target["business_days"])
    elif target["clock"] == "wall":
        due = start + timedelta(minutes=target["minutes"])
        return due, start + (due - start) * fraction
    else:
        due = calendar.add_business_seconds(start, target["minutes"] * 60)
    warn = calendar.add_business_seconds(start, calendar.business_seconds(start, due) * fraction)
    return due, warn


def refresh_cycle(cycle: ConversationCycle) -> None:
    """Recompute the cycle's urgency and deadline while it waits for its first response."""
    if cycle.first_response_at is not None or cycle.first_inbound_at is None:
        return
    db.session.flush()
    rows = db.session.execute(waiting_messages(cycle.conversation_id, cycle.first_inbound_at)).all()
    values = cycle_values(rows, cycle.sla_due_at, cycle.sla_breach_notified_at)
    for name, value in values.items():
        setattr(cycle, name, value)


def waiting_messages(conversation_id, since: datetime):
    """The inbound messages a waiting cycle's deadline is computed from: (created_at, urgency, status)."""
    return select(Message.created_at, Message.urgency, Message.classify_status).where(
        Message.conversation_id == conversation_id, Message.direction == "in", Message.created_at >= since)


def cycle_values(rows, previous_due: datetime | None, breach_notified_at: datetime | None) -> dict:
    """A waiting cycle's urgency, deadline and warning from its inbound messages (the rows of
    waiting_messages()); sla_warned_at is reset when the deadline tightens."""
    targets, calendar = settings.sla_targets(), settings.calendar()
    best, severe = None, None
    for created_at, urgency, status in rows:
        classified = status == "done" and urgency in URGENCY_RANK
        if classified and (severe is None or URGENCY_RANK[urgency] < URGENCY_RANK[severe]):
            severe = urgency
        candidate = deadline(created_at, urgency if classified else "normal", targets, calendar)
        if candidate and (best is None or candidate[0] < best[0]):
            best = candidate
    values = {"urgency": severe}
    values["sla_due_at"], values["sla_warn_at"] = best if best else (None, None)
    if previous_due is not None and values["sla_due_at"] is not None and values["sla_due_at"] < previous_due \
            and breach_notified_at is None:
        values["sla_warned_at"] = None  # a tighter deadline deserves its own warning
    return values


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
        values = {"sla_warned_at": cycle.sla_warned_at,
                  **cycle_values(rows, cycle.sla_due_at, cycle.sla_breach_notified_at)}
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
