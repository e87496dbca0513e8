"""Queue names and enqueueing by dotted path (the web process never imports worker code)."""
import logging

import redis
from flask import current_app
from rq import Queue, Retry

from ..redis_conn import get_redis

QUEUE_CLASSIFY = "classify"
QUEUE_DELIVER = "deliver"
QUEUE_MAINTENANCE = "maintenance"
ALL_QUEUES = (QUEUE_CLASSIFY, QUEUE_DELIVER, QUEUE_MAINTENANCE)

CLASSIFY_JOB = "workers.classify.classify_pending"
DELIVER_JOB = "workers.deliver.deliver_reply"
MODERATION_JOB = "workers.deliver.deliver_moderation"
POLL_JOB = "workers.poll.poll_channel"
IMPORT_JOB = "workers.imports.run_import"
DEFAULT_RETRY_INTERVALS = [5, 30, 120, 600, 1800]
CLASSIFY_WAKEUP_KEY = "parvis:classify:wakeup"
CLASSIFY_WAKEUP_TTL = 120  # seconds: a wake-up lost with Redis stops blocking new ones after this

log = logging.getLogger(__name__)


def get_queue(name: str) -> Queue:
    return Queue(name, connection=get_redis())


def wake_classifier() -> bool:
    """Ask a worker to classify pending messages; at most one wake-up waits in the queue at a time.

    Returns False when Redis is unreachable: the message is already committed and the
    sweeper will enqueue it later, so ingestion must not fail because of the queue.
    """
    try:
        if get_redis().set(CLASSIFY_WAKEUP_KEY, "1", nx=True, ex=CLASSIFY_WAKEUP_TTL):
            get_queue(QUEUE_CLASSIFY).enqueue(CLASSIFY_JOB, job_timeout=600, result_ttl=60)
        return True
    except redis.RedisError as exc:
        log.warning("classification wake-up not enqueued (sweeper will retry): %s", exc)
        return False


def enqueue_classify() -> bool:
    """Enqueue the wake-up job; the caller has just set CLASSIFY_WAKEUP_KEY (SET NX)."""
    try:
        get_queue(QUEUE_CLASSIFY).enqueue(CLASSIFY_JOB, job_timeout=600, result_ttl=60)
        return True
    except redis.RedisError as exc:
        log.warning("classification wake-up not enqueued (sweeper will retry): %s", exc)
        return False


def _retry() -> Retry:
    """Retries with backoff; DELIVERY_RETRY_INTERVALS (seconds) sets both count and spacing."""
    intervals = list(current_app.config.get("DELIVERY_RETRY_INTERVALS") or DEFAULT_RETRY_INTERVALS)
    return Retry(max=len(intervals), interval=intervals)


def enqueue_delivery(message_id: int) -> bool:
    """Queue the delivery of an outbound message, with retries and backoff."""
    return _enqueue_deliver(DELIVER_JOB, message_id, f"delivery of message {message_id}")


def enqueue_moderation(action_id: int) -> bool:
    """Queue sending a moderation action (hide, unhide, delete) to the network."""
    return _enqueue_deliver(MODERATION_JOB, action_id, f"moderation action {action_id}")


def _enqueue_deliver(job: str, target_id: int, what: str) -> bool:
    try:
        get_queue(QUEUE_DELIVER).enqueue(
            job, target_id, retry=_retry(), job_timeout=60, result_ttl=3600, failure_ttl=7 * 86400,
        )
        return True
    except redis.RedisError as exc:
        log.warning("%s not enqueued (sweeper will retry): %s", what, exc)
        return False


def enqueue_poll(channel_id: int) -> bool:
    try:
        get_queue(QUEUE_MAINTENANCE).enqueue(POLL_JOB, channel_id, job_timeout=300, result_ttl=600)
        return True
    except redis.RedisError as exc:
        log.warning("poll of channel %s not enqueued: %s", channel_id, exc)
        return False


def enqueue_import(import_id: str) -> None:
    """Queue a bulk import (raises redis.RedisError: the admin page says the queue is down)."""
    get_queue(QUEUE_MAINTENANCE).enqueue(IMPORT_JOB, import_id, job_timeout=3600, result_ttl=3600)
