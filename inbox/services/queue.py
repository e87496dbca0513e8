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
CLASSIFY_WAKEUP_KEY = "parvis:classify:wakeup"

log = logging.getLogger(__name__)


def get_queue(name: str) -> Queue:
    return Queue(name, connection=get_redis())


def wake_classifier() -> bool:
    """Ask a worker to classify pending messages; at most one wake-up waits in the queue at a time.

    Returns False when Redis is unreachable: the message is already committed and the
    sweeper will enqueue it later, so ingestion must not fail because of the queue.
    """
    try:
        if get_redis().set(CLASSIFY_WAKEUP_KEY, "1", nx=True, ex=120):
            get_queue(QUEUE_CLASSIFY).enqueue(CLASSIFY_JOB, job_timeout=600, result_ttl=60)
        return True
    except redis.RedisError as exc:
        log.warning("classification wake-up not enqueued (sweeper will retry): %s", exc)
        return False


def enqueue_delivery(message_id: int) -> bool:
    """Queue the delivery of an outbound message, with retries and backoff."""
    intervals = list(current_app.config["DELIVERY_RETRY_INTERVALS"])
    try:
        get_queue(QUEUE_DELIVER).enqueue(
            DELIVER_JOB, message_id,
            retry=Retry(max=len(intervals), interval=intervals),
            job_timeout=60, result_ttl=3600, failure_ttl=7 * 86400,
        )
        return True
    except redis.RedisError as exc:
        log.warning("delivery of message %s not enqueued (sweeper will retry): %s", message_id, exc)
        return False
