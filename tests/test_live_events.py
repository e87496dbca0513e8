"""Live events travel on a pub/sub channel of their own Redis database."""
import json
import time

import redis as redis_lib

from inbox.redis_conn import get_redis
from inbox.services import events


def test_events_reach_subscribers_of_the_same_database_only(app, factory, redis_client):
    client = get_redis(app)
    mine = client.pubsub(ignore_subscribe_messages=True)
    mine.subscribe(events.events_channel(client))
    other_db = redis_lib.Redis.from_url("redis://127.0.0.1:6379/3")
    other = other_db.pubsub(ignore_subscribe_messages=True)
    other.subscribe(events.events_channel(other_db))
    assert events.events_channel(client) != events.events_channel(other_db)
    events.publish("conversation.updated", conversation_id=7)
    received = _next_message(mine, 3)
    assert received is not None
    assert json.loads(received["data"]) == {"kind": "conversation.updated", "conversation_id": 7}
    assert _next_message(other, 1) is None
    mine.close(), other.close(), other_db.close()


def _next_message(pubsub, seconds):
    """The next data message (subscription confirmations are skipped), or None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.2)
        if message is not None:
            return message
    return None
