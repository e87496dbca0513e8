"""Drill-down: the conversations behind each dashboard figure, as a select of conversation ids.

The inbox list accepts `metric` plus `m_*` arguments and the dashboard filters (from, to,
channel, label) and shows exactly the conversations counted by that figure.
"""
from datetime import date, timedelta

from sqlalchemy import and_, false, or_, select

from ..models import (
    MODERATION_REASONS, SENTIMENTS, URGENCIES, Conversation, ConversationCycle, Message, ModerationAction,
    ReplyEvent,
)
from ..models.base import utcnow
from .dashboard import AGE_BUCKETS, SLA_STATES, cycle_scope, local_day_bounds, message_scope, \
    sla_state_expression, urgency_expression
from .stats_filters import StatsFilters

METRICS = ("first_response", "unanswered", "reply_time", "resolution", "sla", "volume", "backlog",
           "agent", "moderation")
AGENT_KINDS = ("replies", "first_response", "resolved", "sla")
Cycle = ConversationCycle


class DrilldownError(ValueError):
    """Invalid drill-down arguments; `errors` names them."""

    def __init__(self, errors: dict):
        super().__init__("invalid drill-down")
        self.errors = errors


def _choice(args, name, choices, errors, required=False):
    value = args.get(name) or None
    if value is None:
        if required:
            errors[name] = "required"
        return None
    if value not in choices:
        errors[name] = "must be one of " + ", ".join(map(str, choices))
        return None
    return value


def _int(args, name, errors, low, high):
    value = args.get(name)
    if value in (None, ""):
        return None
    if not str(value).isdigit() or not low <= int(value) <= high:
        errors[name] = f"must be a number from {low} to {high}"
        return None
    return int(value)


def conversation_ids(args, now=None):
    """A select of conversation ids for `metric` and its arguments; raises DrilldownError."""
    now = now or utcnow()
    filters = StatsFilters.from_args(args, now=now)
    errors = dict(filters.errors)
    metric = _choice(args, "metric", METRICS, errors, required=True)
    if errors:
        raise DrilldownError(errors)
    cycles = cycle_scope(filters)
    if metric == "first_response":
        query = select(Cycle.conversation_id).where(*cycles, Cycle.first_response_at.is_not(None))
    elif metric == "unanswered":
        query = select(Cycle.conversation_id).where(*cycles, Cycle.first_response_at.is_(None))
    elif metric == "reply_time":
        query = select(ReplyEvent.conversation_id).where(
            ReplyEvent.replied_at >= filters.start, ReplyEvent.replied_at < filters.end,
            ReplyEvent.is_first.is_(False), ReplyEvent.wait_seconds.is_not(None),
            *filters.scope(ReplyEvent.channel_id, ReplyEvent.conversation_id))
    elif metric == "resolution":
        query = select(Cycle.conversation_id).where(
            Cycle.resolved_at >= filters.start, Cycle.resolved_at < filters.end,
            *filters.scope(Cycle.channel_id, Cycle.conversation_id))
    elif metric == "sla":
        query = _sla(args, cycles, now, errors)
    elif metric == "volume":
        query = _volume(args, filters, errors)
    elif metric == "backlog":
        query = _backlog(args, filters, now, errors)
    elif metric == "agent":
        query = _agent(args, filters, cycles, now, errors)
    else:
        reason = _choice(args, "m_reason", MODERATION_REASONS, errors)
        query = select(Message.conversation_id).join(ModerationAction, ModerationAction.message_id == Message.id).where(
            ModerationAction.action.in_(("hide", "delete")), ModerationAction.created_at >= filters.start,
            ModerationAction.created_at < filters.end, *filters.scope(Message.channel_id, Message.conversation_id),
            *([ModerationAction.reason == reason] if reason else []))
    if errors:
        raise DrilldownError(errors)
    return query


def _sla(args, cycles, now, errors):
    urgency = _choice(args, "m_urgency", URGENCIES, errors)
    state = _choice(args, "m_state", SLA_STATES, errors)
    where = [*cycles, Cycle.sla_due_at.is_not(None)]
    if urgency:
        where.append(urgency_expression() == urgency)
    if state:
        where.append(sla_state_expression(now) == state)
    return select(Cycle.conversation_id).where(*where)


def _volume(args, filters, errors):
    where = message_scope(filters)
    sentiment = _choice(args, "m_sentiment", (*SENTIMENTS, "unclassified"), errors)
    urgency = _choice(args, "m_urgency", (*URGENCIES, "unclassified"), errors)
    for value, column, known in ((sentiment, Message.sentiment, SENTIMENTS), (urgency, Message.urgency, URGENCIES)):
        if value == "unclassified":
            where.append(or_(column.is_(None), column.not_in(known)))
        elif value:
            where.append(column == value)
    day = args.get("m_day")
    if day:
        try:
            start, end = local_day_bounds(date.fromisoformat(day))
            where += [Message.created_at >= start, Message.created_at < end]
        except ValueError:
            errors["m_day"] = "must be a date YYYY-MM-DD"
    weekday = _int(args, "m_weekday", errors, 0, 6)
    hour = _int(args, "m_hour", errors, 0, 23)
    if weekday is not None and hour is not None:
        slots = _hour_slots(filters, weekday, hour)
        where.append(or_(*slots) if slots else false())
    elif (weekday is None) != (hour is None):
        errors["m_hour"] = "m_weekday and m_hour go together"
    return select(Message.conversation_id).where(*where)


def _hour_slots(filters, weekday, hour):
    """The UTC intervals of one local weekday and hour inside the range."""
    from . import settings

    zone = settings.calendar().zone
    day = filters.start.astimezone(zone).date()
    last = filters.end.astimezone(zone).date()
    slots = []
    while day <= last:
        if day.weekday() == weekday:
            start, _ = local_day_bounds(day)
            local = start.astimezone(zone).replace(hour=hour)
            slots.append(and_(Message.created_at >= local, Message.created_at < local + timedelta(hours=1)))
        day += timedelta(days=1)
    return slots


def _backlog(args, filters, now, errors):
    bucket = _choice(args, "m_bucket", [name for name, _, _ in AGE_BUCKETS], errors)
    where = [Conversation.status == "open", Conversation.waiting_since.is_not(None),
             *filters.scope(Conversation.channel_id, Conversation.id)]
    for name, low, high in AGE_BUCKETS:
        if name == bucket:
            where.append(Conversation.waiting_since <= now - timedelta(hours=low))
            if high:
                where.append(Conversation.waiting_since > now - timedelta(hours=high))
    return select(Conversation.id).where(*where)


def _agent(args, filters, cycles, now, errors):
    agent = _int(args, "m_agent", errors, 1, 2 ** 31)
    kind = _choice(args, "m_kind", AGENT_KINDS, errors, required=True)
    if agent is None:
        errors.setdefault("m_agent", "required")
    if kind == "replies":
        return select(ReplyEvent.conversation_id).where(
            ReplyEvent.user_id == agent, ReplyEvent.replied_at >= filters.start, ReplyEvent.replied_at < filters.end,
            *filters.scope(ReplyEvent.channel_id, ReplyEvent.conversation_id))
    if kind == "resolved":
        return select(Cycle.conversation_id).where(
            Cycle.resolver_id == agent, Cycle.resolved_at >= filters.start, Cycle.resolved_at < filters.end,
            *filters.scope(Cycle.channel_id, Cycle.conversation_id))
    where = [*cycles, Cycle.first_responder_id == agent]
    if kind == "sla":
        state = _choice(args, "m_state", SLA_STATES, errors)
        where.append(Cycle.sla_due_at.is_not(None))
        if state:
            where.append(sla_state_expression(now) == state)
    return select(Cycle.conversation_id).where(*where)
