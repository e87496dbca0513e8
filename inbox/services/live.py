"""Relay live events from Redis pub/sub to one browser as server-sent events."""
import redis

from ..redis_conn import get_redis
from .events import events_channel

KEEPALIVE_SECONDS = 15


def stream_events(max_seconds: float = 300):
    """Yield SSE frames; the browser reconnects by itself after `max_seconds`."""
    import time

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
            yield f"data: {data}\n\n"
    except redis.RedisError:
        yield "retry: 5000\n\n"
    finally:
        pubsub.close()
