"""Relay live events from Redis pub/sub to the open pages as server-sent events.

Each web process subscribes once (`Hub`) and hands each event's frames to every stream open in
it. Each event is sent under a few names so that pages can listen without running code to filter:
`inbox` (any change that can affect a list), `conversation-<id>`, `presence-<id>`,
`notify-<user id>`. htmx's SSE extension swaps the matching fragments.

An open stream holds its server's worker for as long as the page stays open. Under gunicorn's
gthread workers that is one of a fixed number of threads: past that number every other request
(a page, an API call, /healthz) would wait in the worker's queue. So a process serves at most
`stream_limit()` streams at once and answers 503 beyond, which the browser retries with a
backoff while the page itself keeps working. Deployments serve /events from a gevent gunicorn
instead (docs/deploy.md), where an open page costs a greenlet and no limit applies.

One account may also hold only so many streams at once, across every web process and host
(`UserStreams`, PARVIS_SSE_MAX_STREAMS_PER_USER): under gevent nothing else bounds them, so one
script replaying a session cookie could otherwise open streams until the process runs out of
sockets or memory, for everyone.
"""
import json
import logging
import os
import queue
import sys
import threading
import time
import uuid
import weakref

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

    @staticmethod
    def full(held: int, cap: int) -> bool:
        """Whether take() refuses a new stream to an account holding `held` (a cap of 0: no cap)."""
        return cap > 0 and held >= cap


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


class Hub:
    """One Redis subscription per web process, relayed to every live stream open in it.

    Each open page used to hold a subscription of its own: a Redis connection per page, and
    Redis sending every event once per page. The hub subscribes once, turns each event into its
    SSE frames once, and hands them to each stream's queue. It runs in a thread (a greenlet under
    gevent), started by the first stream and ended when the last one leaves, when Redis fails
    (every stream then ends with `retry: 5000`: the pages reconnect and refresh what they
    missed) or in a forked child (a child starts its own).

    A stream that stops reading (a stalled client) is ended once its queue holds BACKLOG
    events, so it costs the process no more than that; its page reconnects and refreshes.
    """
    BACKLOG = 1000
    ENDED = object()  # put on a stream's queue: Redis failed, or the stream fell too far behind
    CLOSING = object()  # put on a stream's queue: this server is stopping
    POLL_SECONDS = 1.0

    def __init__(self, client):
        self.client = client
        self._lock = threading.Lock()
        self._queues: set[queue.Queue] = set()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._subscribed = threading.Event()
        self._failure: str | None = None
        self._closing = False
        _hubs.add(self)

    @property
    def listeners(self) -> int:
        return len(self._queues)

    def listen(self, timeout: float = 5.0) -> queue.Queue:
        """A queue that receives the frames of every event from now on (subscribed on return)."""
        events = queue.Queue()
        with self._lock:
            if self._closing:
                raise redis.ConnectionError("live events: this server is stopping")
            if self._pid != os.getpid():  # a forked child: the parent's thread and streams are not here
                self._thread, self._pid = None, os.getpid()
                self._queues.clear()
            self._queues.add(events)
            if self._thread is None:
                self._subscribed, self._failure = threading.Event(), None
                self._thread = threading.Thread(target=self._run, args=(self._subscribed,),
                                                name="parvis-live-hub", daemon=True)
                self._thread.start()
            subscribed = self._subscribed
        if not subscribed.wait(timeout) or not self._still_listening(events):
            self.leave(events)
            raise redis.ConnectionError(f"live events: no subscription ({self._failure or 'timed out'})")
        return events

    def _still_listening(self, events: queue.Queue) -> bool:
        with self._lock:
            return events in self._queues

    def leave(self, events: queue.Queue) -> None:
        with self._lock:
            self._queues.discard(events)

    def close(self) -> None:
        """The server is stopping: end every stream now and take no new one."""
        with self._lock:
            self._closing, ending = True, list(self._queues)
            self._queues.clear()
        for events in ending:
            events.put(self.CLOSING)

    def _run(self, subscribed: threading.Event) -> None:
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(events_channel(self.client))
            subscribed.set()
            while True:
                with self._lock:
                    if not self._queues:  # the last stream left: so does the subscription
                        self._thread = None
                        return
                message = pubsub.get_message(timeout=self.POLL_SECONDS)
                if message is not None:
                    self._relay(message["data"])
        except redis.RedisError as exc:
            log.warning("live events: the subscription ended by a Redis error (pages retry in 5 s): %s", exc)
            with self._lock:
                self._failure, ended = str(exc), list(self._queues)
                self._queues.clear()
                self._thread = None
            subscribed.set()  # a stream waiting for the subscription finds itself ended
            for events in ended:
                events.put(self.ENDED)
        finally:
            pubsub.close()

    def _relay(self, data) -> None:
        text = frames(data.decode() if isinstance(data, bytes) else data)
        if not text:
            return
        with self._lock:
            queues = list(self._queues)
        for events in queues:
            if events.qsize() < self.BACKLOG:
                events.put(text)
                continue
            self.leave(events)  # a stalled stream: end it rather than hold its backlog
            with events.mutex:
                events.queue.clear()
            events.put(self.ENDED)


_hubs: "weakref.WeakSet[Hub]" = weakref.WeakSet()


def end_all_streams() -> None:
    """End every live stream of this process at once (its server is stopping: inbox/gunicorn_conf.py).

    Otherwise an open page holds a stopping server for its whole graceful timeout (30 s for the
    pages' server in docs/deploy.md) on every restart. Each page reconnects 2 s later, to another
    process or to the restarted one, and refreshes what it may have missed.
    """
    for hub in list(_hubs):
        hub.close()


def end_all_streams_soon() -> None:
    """end_all_streams, from a signal handler: it must not wait for a lock, and under gevent it
    runs in the event loop, where nothing may block (not even starting a thread)."""
    if _gevent_patched():
        import gevent

        gevent.spawn(end_all_streams)
    else:
        threading.Thread(target=end_all_streams, name="parvis-end-streams", daemon=True).start()


_hub_lock = threading.Lock()


def hub_for(app) -> Hub:
    """The application's hub (one application per web process)."""
    with _hub_lock:
        hub = app.extensions.get("parvis_live_hub")
        if hub is None:
            hub = app.extensions["parvis_live_hub"] = Hub(get_redis(app))
        return hub


def stream_events(max_seconds: float = STREAM_SECONDS):
    """Yield SSE frames; the browser reconnects by itself after `max_seconds`."""
    from flask import current_app

    from ..extensions import db

    # The stream lasts minutes: give the database connection back first (no open transaction).
    db.session.close()
    hub = hub_for(current_app)
    try:
        events = hub.listen()
    except redis.RedisError as exc:
        log.warning("live stream not opened, Redis unavailable (the page retries in 5 s): %s", exc)
        yield "retry: 5000\n\n"
        return
    try:
        yield "retry: 2000\n\n"
        deadline = time.monotonic() + max_seconds
        while time.monotonic() < deadline:
            try:
                text = events.get(timeout=KEEPALIVE_SECONDS)
            except queue.Empty:
                yield ": keep-alive\n\n"
                continue
            if text is Hub.ENDED:
                yield "retry: 5000\n\n"
                return
            if text is Hub.CLOSING:  # the page reconnects after the 2 s given at the start
                return
            yield text
    finally:
        hub.leave(events)
