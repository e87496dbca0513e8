"""Live events published on Redis pub/sub; every web process relays them to open pages (SSE)."""
import json
import logging

import redis

from ..redis_conn import get_redis

EVENTS_CHANNEL = "parvis:events"
log = logging.getLogger(__name__)


def publish(kind: str, **payload) -> None:
    """Publish a live update; best effort, a page reload always shows the truth from the database."""
    try:
        get_redis().publish(EVENTS_CHANNEL, json.dumps({"kind": kind, **payload}, default=str))
    except redis.RedisError as exc:
        log.warning("live event %s not published: %s", kind, exc)
