"""Conversation state: status, assignment, and the summary fields the inbox sorts on."""
from flask_babel import lazy_gettext as _l
from datetime import datetime

from sqlalchemy import bindparam, case, func, select, update

from ..extensions import db
from ..models import URGENCY_RANK, Conversation, Message, User
from ..models.base import utcnow
from . import audit, cycles, events, sla

_RANK_TO_URGENCY = {rank: name for name, rank in URGENCY_RANK.items()}


class ConversationError(ValueError):
    """A requested change that is not allowed (unknown status, inactive assignee...)."""


def note_inbound(conversation: Conversation, message: Message) -> None:
    """Update a conversation for a new inbound message; an inbound message reopens it."""
    cycles.on_inbound(conversation, message)
    if conversation.status in ("resolved", "snoozed"):
        conversation.status = "open"
        conversation.opened_at = message.created_at
        conversation.resolved_at = None
        conversation.first_response_at = None
        conversation.snoozed_until = None
    if conversation.waiting_since is None:
        conversation.waiting_since = message.created_at
    first = not conversation.message_count  # last_message_at is only the column default (flush time) so far
    conversation.message_count = (conversation.message_count or 0) + 1
    if first or conversation.last_message_at is None or message.created_at >= conversation.last_message_at:
        conversation.last_message_at = message.created_at
        conversation.last_excerpt = message.body[:280]


def note_outbound(conversation: Conversation, message: Message) -> None:
    """A public reply by a person answers everything waiting."""
    now = message.created_at
    cycles.on_reply(conversation, message)
    if conversation.first_response_at is None:
        conversation.first_response_at = now
    conversation.waiting_since = None
    conversation.message_count = (conversation.message_count or 0) + 1
    conversation.last_message_at = now
    conversation.last_excerpt = message.body[:280]


def refresh_classification(conversation_ids) -> None:
    """Recompute urgency, sentiment and the moderation flag from each conversation's messages."""
    ids = list(set(conversation_ids))
    if not ids:
        return
    rank = case(*[(Message.urgency == name, value) for name, value in URGENCY_RANK.items()], else_=None)
    any_flag = Message.flag_toxic | Message.flag_threat | Message.flag_spam | Message.flag_personal_data
    rows = db.session.execute(
        select(
            Message.conversation_id,
            func.min(case((Message.created_at >= Conversation.opened_at, rank), else_=None)),
            func.min(rank),
            func.max(case((any_flag & (Message.visibility == "visible"), 1), else_=0)),
        )
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.conversation_id.in_(ids), Message.direction == "in",
               Message.classify_status == "done")
        .group_by(Message.conversation_id)
    ).all()
    latest_sentiment = dict(db.session.execute(
        select(Message.conversation_id, Message.sentiment)
        .where(Message.conversation_id.in_(ids), Message.direction == "in",
               Message.classify_status == "done")
        .order_by(Message.conversation_id, Message.created_at)
    ).all())
    # One UPDATE executed for all of them (executemany); two shapes: with and without an urgency.
    ranked, unranked = [], []
    for conversation_id, cycle_rank, any_rank, flagged in rows:
        best = cycle_rank if cycle_rank is not None else any_rank
        values = {"b_id": conversation_id, "b_flagged": bool(flagged),
                  "b_sentiment": latest_sentiment.get(conversation_id)}
        if best is None:
            unranked.append(values)
        else:
            ranked.append({**values, "b_urgency": _RANK_TO_URGENCY[best], "b_urgency_rank": best})
    table = Conversation.__table__
    statement = update(table).where(table.c.id == bindparam("b_id")).values(
        flagged=bindparam("b_flagged"), sentiment=bindparam("b_sentiment"))
    if ranked:
        db.session.execute(statement.values(urgency=bindparam("b_urgency"),
                                            urgency_rank=bindparam("b_urgency_rank")), ranked)
    if unranked:
        db.session.execute(statement, unranked)
    changed = set(ids)
    for obj in list(db.session.identity_map.values()):  # Core statements: refresh loaded objects
        if isinstance(obj, Conversation) and obj.id in changed:
            db.session.expire(obj, ["flagged", "sentiment", "urgency", "urgency_rank"])
    sla.refresh_conversations(ids)


def set_status(conversation: Conversation, status: str, user: User, snoozed_until: datetime | None = None) -> None:
    if status not in ("open", "pending", "resolved", "snoozed"):
        raise ConversationError(_l("Unknown status: %(status)s", status=status))
    if status == "snoozed" and (snoozed_until is None or snoozed_until <= utcnow()):
        raise ConversationError(_l("A snooze needs a date in the future."))
    previous = conversation.status
    if previous == "resolved" and status != "resolved":
        conversation.opened_at = utcnow()
        conversation.first_response_at = None
    conversation.status = status
    conversation.resolved_at = utcnow() if status == "resolved" else None
    conversation.snoozed_until = snoozed_until if status == "snoozed" else None
    cycles.on_status(conversation, previous, status, user,
                     conversation.resolved_at if status == "resolved" else conversation.opened_at)
    audit.record("conversation.status", conversation, user=user, previous=previous, status=status)
    db.session.commit()
    events.publish("conversation.updated", conversation_id=conversation.id, status=status)


def assign(conversation: Conversation, assignee: User | None, user: User) -> None:
    if assignee is not None and not assignee.active:
        raise ConversationError(_l("This colleague's account is disabled."))
    previous = conversation.assignee_id
    conversation.assignee = assignee
    audit.record("conversation.assign", conversation, user=user, previous=previous,
                 assignee=assignee.id if assignee else None)
    db.session.commit()
    events.publish("conversation.updated", conversation_id=conversation.id,
                   assignee=assignee.name if assignee else None)


def default_snooze_until(now: datetime | None = None, tz: str = "Europe/Paris") -> datetime:
    """Tomorrow at 9:00 in the institution's time zone (the `s` shortcut in the list)."""
    from datetime import time as clock, timedelta
    from zoneinfo import ZoneInfo

    local = (now or utcnow()).astimezone(ZoneInfo(tz))
    tomorrow = datetime.combine(local.date() + timedelta(days=1), clock(9), ZoneInfo(tz))
    return tomorrow.astimezone(utcnow().tzinfo)


def wake_snoozed(now: datetime | None = None) -> int:
    """Reopen snoozed conversations whose date has come; returns how many."""
    now = now or utcnow()
    ids = db.session.scalars(select(Conversation.id).where(
        Conversation.status == "snoozed", Conversation.snoozed_until <= now)).all()
    if not ids:
        return 0
    db.session.execute(db.update(Conversation).where(Conversation.id.in_(ids))
                       .values(status="open", snoozed_until=None))
    db.session.commit()
    for conversation_id in ids:
        events.publish("conversation.updated", conversation_id=conversation_id, status="open")
    return len(ids)


def recent_by_author(conversation: Conversation, limit: int = 10) -> list[Conversation]:
    """The author's other conversations, newest first."""
    if conversation.author_id is None:
        return []
    return db.session.scalars(select(Conversation).where(
        Conversation.author_id == conversation.author_id, Conversation.id != conversation.id)
        .order_by(Conversation.last_message_at.desc()).limit(limit)).all()
