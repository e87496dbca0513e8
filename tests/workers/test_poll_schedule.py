"""Per-channel poll scheduling: due channels are enqueued once; a channel is never polled twice at once."""
from datetime import timedelta

from rq import Queue

from inbox.extensions import db
from inbox.models import Channel
from inbox.models.base import utcnow
from inbox.redis_conn import get_redis
from inbox.services.queue import POLL_JOB, QUEUE_MAINTENANCE
from workers.poll import poll_channel, schedule_due_polls


def _channel(kind="mastodon", **columns):
    channel = Channel(kind=kind, name=kind, settings={"base_url": "http://127.0.0.1:1"},
                      secrets={"access_token": "t"}, **columns)
    db.session.add(channel)
    db.session.commit()
    return channel


def test_only_due_enabled_pollable_channels_are_enqueued_once(app, factory):
    due = _channel(next_poll_at=utcnow() - timedelta(seconds=1))
    _channel(next_poll_at=utcnow() + timedelta(minutes=5))
    _channel(enabled=False, next_poll_at=None)
    _channel(kind="facebook", next_poll_at=None)  # pushed by webhooks, never polled
    assert schedule_due_polls() == [due.id]
    assert schedule_due_polls() == []  # already queued
    jobs = Queue(QUEUE_MAINTENANCE, connection=get_redis(app)).jobs
    assert [(j.func_name, j.args) for j in jobs] == [(POLL_JOB, (due.id,))]
    # Once polled (here: failed, so backed off), it is not due again before its next time.
    assert poll_channel(due.id) == "error"
    assert schedule_due_polls() == []
    db.session.execute(db.update(Channel).where(Channel.id == due.id).values(next_poll_at=utcnow()))
    db.session.commit()
    assert schedule_due_polls() == [due.id]


def test_a_channel_being_polled_is_not_polled_again(app, factory):
    channel = _channel(next_poll_at=None)
    get_redis(app).set(f"parvis:poll:lock:{channel.id}", "another-worker", ex=60)
    assert poll_channel(channel.id) == "already polling"


def test_failures_back_off_exponentially(app, factory):
    channel = _channel(next_poll_at=None, poll_interval_seconds=60)
    assert poll_channel(channel.id) == "error"
    db.session.expire_all()
    first = db.session.get(Channel, channel.id)
    first_delay = (first.next_poll_at - first.last_error_at).total_seconds()
    assert poll_channel(channel.id) == "error"
    db.session.expire_all()
    second = db.session.get(Channel, channel.id)
    assert round(first_delay) == 120 and round((second.next_poll_at - second.last_error_at).total_seconds()) == 240
    assert "unreachable" in second.last_error
