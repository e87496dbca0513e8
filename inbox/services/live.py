"""Relay live events from Redis pub/sub to one browser as server-sent events.

Each event is sent under a few names so that pages can listen without running code to filter:
`inbox` (any change that can affect a list), `conversation-<id>`, `presence-<id>`,
`notify-<user id>`. htmx's SSE extension swaps the matching fragments.

An open stream holds its server's worker for as long as the page stays open. Under gunicorn's
gthread workers that is one of a fixed number of threads: past that number every other request
(a page, an API call, /healthz) would wait in the worker's queue. So a process serves at most
`stream_limit()` streams at once and answers 503 beyond, which the browser retries with a
backoff while the page itself keeps working. Deployments serve /events from a gevent gunicorn
instead (docs/deploy.md), where an open page costs a greenlet and no limit applies.

One account may also hold only so many streams at once, across every web process and host
(`UserStreams`, PARVIS_SSE_MAX_STREAMS_PER_USER): under gevent nothing else bounds them, and
each holds a Redis connection, so one script with a session cookie could otherwise exhaust
Redis's clients for everyone.
"""
import json
import logging
import os
import sys
import threading
import time
import uuid

import redis

from ..redis_conn import get_redis
from .events import events_channel

KEEPALIVE_SECONDS = 15
STREAM_SECONDS = 300  # a stream ends after this long; the browser opens a new one
# Set in each gunicorn worker by inbox/gunicorn_conf.py: the worker's thread count.
SERVER_THREADS_ENV = "PARVIS_SERVER_THREADS"

log = logging.getLogger(__name__)


def _gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("socket"))


def stream_limit(setting: str, environ: dict) -> int | None:
    """How many live streams this process may hold at once; None when it is unlimited.

    `setting` is PARVIS_SSE_MAX_STREAMS as config.py checked it: a number, "unlimited", or
    "auto" (the default):
    - gevent (an open page costs a greenlet) and servers with a thread per request (Werkzeug's,
      `parvis run`): unlimited;
    - a gunicorn worker with a fixed number of threads: half of them, so the other half always
      serves pages and API calls; none at all with one thread (the sync worker), where a
      stream would hold the whole process;
    - a gunicorn worker whose thread count is unknown (not started with inbox/gunicorn_conf.py):
      one, with a warning in the log.
    """
    if setting == "unlimited":
        return None
    if setting != "auto":
        return int(setting)
    if _gevent_patched():
        return None
    if not str(environ.get("SERVER_SOFTWARE", "")).startswith("gunicorn"):
        return None
    threads = os.environ.get(SERVER_THREADS_ENV)
    if threads:
        return int(threads) // 2
    if not environ.get("wsgi.multithread"):
        return 0
    _warn_unknown_threads()
    return 1


_warned = False


def _warn_unknown_threads() -> None:
    global _warned
    if not _warned:
        _warned = True
        log.warning("live updates: this gunicorn worker's thread count is unknown, so it serves one "
                    "stream at a time; start gunicorn with `-c python:inbox.gunicorn_conf` or set "
                    "PARVIS_SSE_MAX_STREAMS (docs/deploy.md)")


class StreamSlots:
    """The live streams open in this process, against its limit."""

    def __init__(self):
        self._lock = threading.Lock()
        self.open = 0

    def acquire(self, limit: int | None) -> bool:
        with self._lock:
            if limit is not None and self.open >= limit:
                return False
            self.open += 1
            return True

    def release(self) -> None:
        with self._lock:
            self.open -= 1


def slots_for(app) -> StreamSlots:
    """The application's stream counter (one application per web process)."""
    return app.extensions.setdefault("parvis_live_slots", StreamSlots())


class UserStreams:
    """The live streams each account holds, counted in Redis across every web process and host.

    One sorted set per account: a member per open stream, scored with the time by which that
    stream has certainly ended (STREAM_SECONDS after it opened, plus a minute for clocks and
    keep-alives). A stream that never says goodbye (its process was killed) stops counting then.
    Taking a place is one Lua script: forget the ended streams, compare, add.
    """
    KEY = "parvis:live:streams:{user_id}"
    SPARE_SECONDS = 60
    _TAKE = """
local key, now, ends, cap, stream = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if redis.call('ZCARD', key) >= cap then return 0 end
redis.call('ZADD', key, ends, stream)
redis.call('EXPIRE', key, math.ceil(ends - now))
return 1
"""

    def __init__(self, client):
        self.client = client
        self._take = client.register_script(self._TAKE)

    def take(self, user_id: int, cap: int) -> str | None:
        """A token for a new stream of this account, or None when it holds `cap` already.

        A cap of 0 means no cap. Without Redis the stream is let through: it will end at once
        on the same outage, and the page retries.
        """
        stream = uuid.uuid4().hex
        if cap <= 0:
            return stream
        now = time.time()
        try:
            taken = self._take(keys=[self.KEY.format(user_id=user_id)],
                               args=[now, now + STREAM_SECONDS + self.SPARE_SECONDS, cap, stream])
        except redis.RedisError as exc:
            log.warning("live streams of user %s not counted: %s", user_id, exc)
            return stream
        return stream if taken else None

    def give_back(self, user_id: int, stream: str) -> None:
        try:
            self.client.zrem(self.KEY.format(user_id=user_id), stream)
        except redis.RedisError as exc:
            log.warning("live stream of user %s not given back (it expires by itself): %s", user_id, exc)

    def held(self, user_id: int) -> int:
        return self.client.zcount(self.KEY.format(user_id=user_id), time.time(), "+inf")


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


def stream_events(max_seconds: float = STREAM_SECONDS):
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
    except redis.RedisError as exc:
        log.warning("live stream ended by a Redis error (the page retries in 5 s): %s", exc)
        yield "retry: 5000\n\n"
    finally:
        pubsub.close()
