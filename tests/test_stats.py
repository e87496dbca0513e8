"""Supervisor figures against hand-computed values."""
from datetime import timedelta

from inbox.extensions import db
from inbox.models import Author, Conversation
from inbox.models.base import utcnow
from inbox.services import stats


def _conversation(channel, n, opened_minutes_ago, answered_after_minutes=None, status="open", waiting=True):
    now = utcnow()
    opened = now - timedelta(minutes=opened_minutes_ago)
    author = Author(channel_id=channel.id, external_id=f"a{n}")
    conversation = Conversation(
        channel_id=channel.id, external_id=f"t{n}", author=author, opened_at=opened, status=status,
        waiting_since=opened if waiting else None, last_message_at=opened,
        first_response_at=opened + timedelta(minutes=answered_after_minutes) if answered_after_minutes else None)
    db.session.add(conversation)
    return conversation


def test_median_first_response_and_oldest_waiting(factory):
    channel = factory.channel()
    # Answered after 10, 20 and 60 minutes (median 20); one answered 40 days ago is outside 30 days.
    _conversation(channel, 1, 100, 10, status="resolved", waiting=False)
    _conversation(channel, 2, 200, 20, status="resolved", waiting=False)
    _conversation(channel, 3, 300, 60, status="pending", waiting=False)
    _conversation(channel, 4, 40 * 24 * 60, 5, status="resolved", waiting=False)
    oldest = _conversation(channel, 5, 500)
    _conversation(channel, 6, 50)
    db.session.commit()
    figures = stats.overview()
    assert figures["conversations"] == {"open": 2, "pending": 1, "resolved": 3, "snoozed": 0}
    assert figures["median_first_response_seconds"]["30d"] == 20 * 60
    assert figures["median_first_response_seconds"]["7d"] == 20 * 60
    assert figures["oldest_waiting"]["conversation_id"] == oldest.id
    assert 499 * 60 < figures["oldest_waiting"]["waiting_seconds"] < 501 * 60
