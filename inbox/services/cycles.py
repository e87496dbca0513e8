"""Response tracking, written when things happen: cycles (opening to resolution) and reply events.

- An inbound message on a conversation with no cycle, or whose last cycle is resolved, opens a
  new cycle; its first inbound message starts the first-response clock.
- A person reopening a resolved conversation opens a cycle with no clock until a citizen writes.
- The first public reply by a person in a cycle stops its first-response clock; every public
  reply by a person is a reply event, timed from the oldest unanswered inbound message.
- Resolving closes the cycle with its resolution time, from the cycle's opening.
Notes, moderation and automatic messages (no user) never count as replies.
"""
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Conversation, ConversationCycle, Message, ReplyEvent, User
from . import settings, sla


def current_cycle(conversation: Conversation) -> ConversationCycle | None:
    if conversation.id is None:
        return None
    return db.session.scalars(select(ConversationCycle).where(
        ConversationCycle.conversation_id == conversation.id)
        .order_by(ConversationCycle.seq.desc()).limit(1)).first()


def _open_cycle(conversation: Conversation, previous: ConversationCycle | None, at: datetime) -> ConversationCycle:
    cycle = ConversationCycle(conversation=conversation, channel_id=conversation.channel_id,
                              seq=previous.seq + 1 if previous else 1, opened_at=at)
    db.session.add(cycle)
    return cycle


def on_inbound(conversation: Conversation, message: Message) -> None:
    cycle = current_cycle(conversation)
    if cycle is None or cycle.resolved_at is not None:
        cycle = _open_cycle(conversation, cycle, message.created_at)
    if cycle.first_response_at is None:
        if cycle.first_inbound_at is None or message.created_at < cycle.first_inbound_at:
            cycle.first_inbound_at = message.created_at
        sla.refresh_cycle(cycle)


def on_reply(conversation: Conversation, message: Message) -> None:
    """Called before the conversation's waiting_since is cleared by the reply."""
    if message.user is None and message.user_id is None:
        return
    calendar = settings.calendar()
    at = message.created_at
    cycle = current_cycle(conversation)
    waiting = conversation.waiting_since
    event = ReplyEvent(conversation=conversation, cycle=cycle, message=message, user_id=message.user_id,
                       channel_id=conversation.channel_id, replied_at=at, waiting_since=waiting)
    if message.user is not None:
        event.user = message.user
    if waiting is not None and waiting <= at:
        event.wait_seconds = (at - waiting).total_seconds()
        event.wait_business_seconds = calendar.business_seconds(waiting, at)
    if cycle is not None and cycle.first_response_at is None and cycle.first_inbound_at is not None:
        sla.refresh_cycle(cycle)  # freeze the urgency and deadline as they stood before the answer
        cycle.first_response_at = at
        cycle.first_responder = message.user if message.user is not None else db.session.get(User, message.user_id)
        cycle.first_response_seconds = max((at - cycle.first_inbound_at).total_seconds(), 0.0)
        cycle.first_response_business_seconds = calendar.business_seconds(cycle.first_inbound_at, at)
        event.is_first = True
    db.session.add(event)


def on_status(conversation: Conversation, previous: str, status: str, user: User | None, at: datetime) -> None:
    if status == previous:
        return
    cycle = current_cycle(conversation)
    if status == "resolved":
        if cycle is not None and cycle.resolved_at is None:
            cycle.resolved_at = at
            cycle.resolver = user
            cycle.resolution_seconds = max((at - cycle.opened_at).total_seconds(), 0.0)
            cycle.resolution_business_seconds = settings.calendar().business_seconds(cycle.opened_at, at)
    elif previous == "resolved":
        _open_cycle(conversation, cycle, at)


def recompute_durations() -> int:
    """Recompute every business duration with the current calendar (after the calendar changed)."""
    calendar = settings.calendar()
    count = 0
    for cycle in db.session.scalars(select(ConversationCycle)).all():
        if cycle.first_response_at and cycle.first_inbound_at:
            cycle.first_response_seconds = max((cycle.first_response_at - cycle.first_inbound_at).total_seconds(), 0.0)
            cycle.first_response_business_seconds = calendar.business_seconds(cycle.first_inbound_at,
                                                                              cycle.first_response_at)
        if cycle.resolved_at:
            cycle.resolution_seconds = max((cycle.resolved_at - cycle.opened_at).total_seconds(), 0.0)
            cycle.resolution_business_seconds = calendar.business_seconds(cycle.opened_at, cycle.resolved_at)
        sla.refresh_cycle(cycle)
        count += 1
    for event in db.session.scalars(select(ReplyEvent).where(ReplyEvent.waiting_since.is_not(None))).all():
        event.wait_business_seconds = calendar.business_seconds(event.waiting_since, event.replied_at)
    db.session.commit()
    return count
