"""Live events published on Redis pub/sub; every web process relays them to open pages (SSE)."""
import json
import logging

import redis

from ..redis_conn import get_redis

EVENTS_CHANNEL = "parvis:events"
log = logging.getLogger(__name__)


def events_channel(client) -> str:
    """The pub/sub channel of this Redis database: pub/sub is server-wide, so two Parvis
    instances sharing a Redis server on different databases must not see each other's events."""
    return f"{EVENTS_CHANNEL}:{client.connection_pool.connection_kwargs.get('db', 0)}"


def publish(kind: str, **payload) -> None:
    """Publish a live update; best effort, a page reload always shows the truth from the database."""
    try:
        client = get_redis()
        client.publish(events_channel(client), json.dumps({"kind": kind, **payload}, default=str))
    except redis.RedisError as exc:
        log.warning("live event %s not published: %s", kind, exc)


def publish_many(kind: str, payloads) -> None:
    """Publish one live update per payload in a single Redis round trip (a classified batch)."""
    payloads = list(payloads)
    if not payloads:
        return
    try:
        client = get_redis()
        channel = events_channel(client)
        pipe = client.pipeline(transaction=False)
        for payload in payloads:
            pipe.publish(channel, json.dumps({"kind": kind, **payload}, default=str))
        pipe.execute()
    except redis.RedisError as exc:
        log.warning("%d live events %s not published: %s", len(payloads), kind, exc)
