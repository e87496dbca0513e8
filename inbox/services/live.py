"""Relay live events from Redis pub/sub to one browser as server-sent events.

Each event is sent under a few names so that pages can listen without running code to filter:
`inbox` (any change that can affect a list), `conversation-<id>`, `presence-<id>`,
`notify-<user id>`. htmx's SSE extension swaps the matching fragments.
"""
import json
import time

import redis

from ..redis_conn import get_redis
from .events import events_channel

KEEPALIVE_SECONDS = 15


def event_names(event: dict) -> list[str]:
    kind = event.get("kind")
    conversation_id = event.get("conversation_id")
    if kind == "presence":
        return [f"presence-{conversation_id}"]
    if kind == "notification":
        return [f"notify-{event.get('user_id')}"]
    names = ["inbox"]
    if conversation_id is not None:
        names.append(f"conversation-{conversation_id}")
    return names


def frames(data: str) -> str:
    try:
        event = json.loads(data)
    except ValueError:
        return ""
    return "".join(f"event: {name}\ndata: {data}\n\n" for name in event_names(event))


def stream_events(max_seconds: float = 300):
    """Yield SSE frames; the browser reconnects by itself after `max_seconds`."""
    from ..extensions import db

    # The stream lasts minutes: give the database connection back first (no open transaction).
    db.session.close()
    pubsub = get_redis().pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(events_channel(get_redis()))
        yield "retry: 2000\n\n"
        deadline = time.monotonic() + max_seconds
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=KEEPALIVE_SECONDS)
            if message is None:
                yield ": keep-alive\n\n"
                continue
            data = message["data"].decode() if isinstance(message["data"], bytes) else message["data"]
            yield frames(data)
    except redis.RedisError:
        yield "retry: 5000\n\n"
    finally:
        pubsub.close()
