"""Live events published on Redis pub/sub; every web process relays them to open pages (SSE)."""
import json
import logging

import redis

from ..redis_conn import get_redis

EVENTS_CHANNEL = "parvis:events"
# Incremented, in the same round trip and before the event, by every event that makes open list
# pages refresh: a live refresh's shared render is stored under it (services/live_cache.py).
INBOX_VERSION_KEY = "parvis:inbox:version"
# Events that concern one conversation's page or one person only; every other kind refreshes lists.
_NOT_LISTS = ("presence", "notification")
log = logging.getLogger(__name__)


def refreshes_lists(kind: str | None) -> bool:
    """Whether an event of this kind makes open inbox lists refresh (the SSE event `inbox`)."""
    return kind not in _NOT_LISTS


def events_channel(client) -> str:
    """The pub/sub channel of this Redis database: pub/sub is server-wide, so two Parvis
    instances sharing a Redis server on different databases must not see each other's events."""
    return f"{EVENTS_CHANNEL}:{client.connection_pool.connection_kwargs.get('db', 0)}"


def add_to(pipe, client, kind: str, payloads) -> None:
    """Queue one event per payload on a Redis pipeline of `client`; an event that refreshes lists
    increments the inbox version first (the shared renders of services/live_cache.py are keyed by it)."""
    channel = events_channel(client)
    if refreshes_lists(kind):
        pipe.incr(INBOX_VERSION_KEY)
    for payload in payloads:
        pipe.publish(channel, json.dumps({"kind": kind, **payload}, default=str))


def send(client, kind: str, payloads) -> None:
    """Publish one event per payload in one round trip."""
    pipe = client.pipeline(transaction=False)
    add_to(pipe, client, kind, payloads)
    pipe.execute()


def publish(kind: str, **payload) -> None:
    """Publish a live update; best effort, a page reload always shows the truth from the database."""
    try:
        send(get_redis(), kind, [payload])
    except redis.RedisError as exc:
        log.warning("live event %s not published: %s", kind, exc)


def publish_many(kind: str, payloads) -> None:
    """Publish one live update per payload in a single Redis round trip (a classified batch)."""
    payloads = list(payloads)
    if not payloads:
        return
    try:
        send(get_redis(), kind, payloads)
    except redis.RedisError as exc:
        log.warning("%d live events %s not published: %s", len(payloads), kind, exc)
