"""CSV export: one row per conversation with all its timings and labels.

A conversation is exported when one of its cycles started its first-response clock in the
range (the cohort of the dashboard's first-response figures). Per-cycle values are joined
with ";" in cycle order; the single-valued columns describe the first cycle or the latest one.
"""
import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Conversation, ConversationCycle, ReplyEvent, User
from ..models.base import utcnow
from .dashboard import cycle_scope
from .stats_filters import StatsFilters

COLUMNS = (
    "conversation_id", "channel", "kind", "post_external_id", "status", "urgency", "sentiment", "labels",
    "assignee", "messages", "cycles", "reopenings", "first_inbound_at", "first_response_at",
    "first_response_seconds", "first_response_business_seconds", "first_responder",
    "cycle_first_response_seconds", "cycle_first_response_business_seconds", "replies",
    "reply_time_seconds", "reply_time_business_seconds", "resolutions", "resolution_seconds",
    "resolution_business_seconds", "last_resolved_at", "sla_urgency", "sla_due_at", "sla_state",
)
BATCH = 500


def _iso(value):
    return value.isoformat() if value else ""


def _num(value):
    return "" if value is None else f"{value:.0f}" if float(value).is_integer() else f"{value:.3f}"


def _joined(values):
    return ";".join(_num(v) for v in values)


def rows(filters: StatsFilters, now=None):
    """Yield the header, then one list of strings per conversation."""
    now = now or utcnow()
    yield list(COLUMNS)
    ids = db.session.scalars(select(ConversationCycle.conversation_id).where(*cycle_scope(filters))
                             .distinct().order_by(ConversationCycle.conversation_id)).all()
    names = dict(db.session.execute(select(User.id, User.name)).all())
    for offset in range(0, len(ids), BATCH):
        chunk = ids[offset:offset + BATCH]
        conversations = db.session.scalars(select(Conversation).where(Conversation.id.in_(chunk)).options(
            selectinload(Conversation.channel), selectinload(Conversation.labels)).order_by(Conversation.id)).all()
        cycles, events = {}, {}
        for cycle in db.session.scalars(select(ConversationCycle).where(
                ConversationCycle.conversation_id.in_(chunk)).order_by(ConversationCycle.seq)):
            cycles.setdefault(cycle.conversation_id, []).append(cycle)
        for event in db.session.scalars(select(ReplyEvent).where(ReplyEvent.conversation_id.in_(chunk))
                                        .order_by(ReplyEvent.replied_at, ReplyEvent.id)):
            events.setdefault(event.conversation_id, []).append(event)
        for conversation in conversations:
            yield _row(conversation, cycles.get(conversation.id, []), events.get(conversation.id, []), names, now)


def _row(conversation, cycles, events, names, now) -> list:
    first, last = cycles[0], cycles[-1]
    later = [e for e in events if not e.is_first and e.wait_seconds is not None]
    resolved = [c for c in cycles if c.resolved_at]
    return [
        conversation.id, conversation.channel.name, conversation.kind, conversation.post_external_id or "",
        conversation.status, conversation.urgency or "", conversation.sentiment or "",
        ";".join(sorted(label.name for label in conversation.labels)),
        names.get(conversation.assignee_id, ""), conversation.message_count, len(cycles), len(cycles) - 1,
        _iso(first.first_inbound_at), _iso(first.first_response_at), _num(first.first_response_seconds),
        _num(first.first_response_business_seconds), names.get(first.first_responder_id, ""),
        _joined(c.first_response_seconds for c in cycles if c.first_response_seconds is not None),
        _joined(c.first_response_business_seconds for c in cycles if c.first_response_business_seconds is not None),
        len(events), _joined(e.wait_seconds for e in later), _joined(e.wait_business_seconds for e in later),
        len(resolved), _joined(c.resolution_seconds for c in resolved),
        _joined(c.resolution_business_seconds for c in resolved), _iso(resolved[-1].resolved_at if resolved else None),
        last.urgency or ("normal" if last.sla_due_at else ""), _iso(last.sla_due_at), last.sla_state(now) or "",
    ]


def csv_chunks(filters: StatsFilters, now=None):
    """The export as text chunks, for a streamed response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for index, row in enumerate(rows(filters, now)):
        writer.writerow(row)
        if index % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
