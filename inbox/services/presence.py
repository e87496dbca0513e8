"""Who is looking at a conversation right now ("Claire is viewing", "Claire is replying").

Kept in Redis only, with an expiry: a browser sends a heartbeat every few seconds; a closed tab
simply stops and disappears after PRESENCE_TTL_SECONDS.
"""
import json
import time

import redis

from ..redis_conn import get_redis
from . import events

PRESENCE_TTL_SECONDS = 25
STATES = ("viewing", "replying")


def _key(conversation_id: int) -> str:
    return f"parvis:presence:{conversation_id}"


def heartbeat(conversation_id: int, user, state: str, page: str = "") -> bool:
    """Record that `user` is viewing or replying; returns True when what others see changed.

    `page` identifies one page load, so that a "left" sent by the page being closed cannot erase
    the heartbeat of the page that replaced it (they race when a form reloads the page).
    """
    if state not in STATES:
        raise ValueError(f"Unknown presence state: {state}")
    client = get_redis()
    key = _key(conversation_id)
    now = time.time()
    previous = client.hget(key, str(user.id))
    entry = json.dumps({"name": user.name, "state": state, "until": now + PRESENCE_TTL_SECONDS, "page": page})
    pipe = client.pipeline()
    pipe.hset(key, str(user.id), entry)
    pipe.expire(key, PRESENCE_TTL_SECONDS * 2)
    pipe.execute()
    changed = previous is None or json.loads(previous).get("state") != state or \
        json.loads(previous).get("until", 0) < now
    if changed:
        events.publish("presence", conversation_id=conversation_id)
    return changed


def leave(conversation_id: int, user, page: str = "") -> None:
    """The page `page` was closed: forget the user unless another page of theirs took over."""
    client = get_redis()
    current = client.hget(_key(conversation_id), str(user.id))
    if current is None or json.loads(current).get("page", "") != page:
        return
    if client.hdel(_key(conversation_id), str(user.id)):
        events.publish("presence", conversation_id=conversation_id)


def present(conversation_id: int, exclude_user_id: int | None = None) -> list[dict]:
    """Colleagues currently on the conversation: [{"user_id", "name", "state"}], replying first."""
    try:
        entries = get_redis().hgetall(_key(conversation_id))
    except redis.RedisError:
        return []
    now = time.time()
    people = []
    for user_id, raw in entries.items():
        user_id = int(user_id)
        data = json.loads(raw)
        if data["until"] < now or user_id == exclude_user_id:
            continue
        people.append({"user_id": user_id, "name": data["name"], "state": data["state"]})
    return sorted(people, key=lambda p: (p["state"] != "replying", p["name"]))
