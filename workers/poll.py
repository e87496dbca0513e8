"""Polling jobs for networks without push (Mastodon, YouTube, e-mail).

Scheduling is driven by the database: each channel has `poll_interval_seconds` and
`next_poll_at`. Every worker runs a small scheduler thread (workers/worker.py) that, once per tick
across all workers (a Redis lock), enqueues `poll_channel` for channels that are due. The job
itself takes a per-channel Redis lock, so two workers never poll the same channel at once.
"""
import logging
import uuid

import redis
from sqlalchemy import or_, select

from inbox.connectors import CONNECTORS, DeliveryError, PermanentDeliveryError, RateLimited, connector_for
from inbox.extensions import db
from inbox.models import Channel
from inbox.models.base import utcnow
from inbox.redis_conn import get_redis
from inbox.services import queue
from inbox.services.channels import record_error, schedule_next_poll
from inbox.services.network_events import apply_events

from .app import app_context

log = logging.getLogger(__name__)
LOCK_SECONDS = 300
POLLABLE = tuple(kind for kind, connector in CONNECTORS.items() if connector.can_poll)
MAX_BACKOFF_SECONDS = 3600


def _lock_key(channel_id: int) -> str:
    return f"parvis:poll:lock:{channel_id}"


def schedule_due_polls() -> list[int]:
    """Enqueue a poll for every enabled channel whose next poll time has come."""
    with app_context():
        now = utcnow()
        due = db.session.scalars(select(Channel.id).where(
            Channel.enabled.is_(True), Channel.kind.in_(POLLABLE),
            or_(Channel.next_poll_at.is_(None), Channel.next_poll_at <= now))).all()
        client = get_redis()
        enqueued = []
        for channel_id in due:
            # One queued poll per channel at a time; the marker expires if the job is lost.
            if client.set(f"parvis:poll:queued:{channel_id}", "1", nx=True, ex=LOCK_SECONDS):
                if queue.enqueue_poll(channel_id):
                    enqueued.append(channel_id)
        return enqueued


def poll_channel(channel_id: int) -> dict | str:
    """Job: fetch what is new on one channel, store it, move the cursor, plan the next poll."""
    with app_context():
        client = get_redis()
        token = str(uuid.uuid4())
        if not client.set(_lock_key(channel_id), token, nx=True, ex=LOCK_SECONDS):
            return "already polling"
        try:
            return _poll_locked(channel_id)
        finally:
            # Only now may the scheduler queue this channel again: next_poll_at has moved on.
            client.delete(f"parvis:poll:queued:{channel_id}")
            _release(client, channel_id, token)


def _poll_locked(channel_id: int):
    channel = db.session.get(Channel, channel_id)
    if channel is None or not channel.enabled or channel.kind not in POLLABLE:
        return "not pollable"
    failures_key = f"parvis:poll:failures:{channel_id}"
    try:
        result = connector_for(channel).poll(channel.poll_cursor)
    except RateLimited as exc:
        record_error(channel, str(exc))
        schedule_next_poll(channel, max(exc.retry_after, channel.poll_interval_seconds))
        db.session.commit()
        return "rate limited"
    except DeliveryError as exc:
        failures = get_redis().incr(failures_key)
        get_redis().expire(failures_key, 86400)
        record_error(channel, str(exc))
        # Back off exponentially while the network keeps failing; configuration errors too.
        delay = min(channel.poll_interval_seconds * 2 ** min(failures, 10), MAX_BACKOFF_SECONDS)
        schedule_next_poll(channel, delay)
        db.session.commit()
        log.warning("poll of channel %s failed (%s in a row): %s", channel_id, failures, exc)
        return "failed" if isinstance(exc, PermanentDeliveryError) else "error"
    applied = apply_events(channel, result.events)
    channel = db.session.get(Channel, channel_id)
    channel.poll_cursor = result.cursor
    channel.last_polled_at = utcnow()
    channel.last_error = None
    channel.last_error_at = None
    schedule_next_poll(channel)
    db.session.commit()
    get_redis().delete(failures_key)
    return applied.as_dict()


_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def _release(client, channel_id: int, token: str) -> None:
    try:
        client.eval(_RELEASE, 1, _lock_key(channel_id), token)
    except redis.RedisError as exc:
        log.warning("poll lock of channel %s not released (expires by itself): %s", channel_id, exc)
