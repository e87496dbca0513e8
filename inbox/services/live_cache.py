"""One render of a live refresh, shared by the open pages that ask for the same thing.

Each live `inbox` event makes every open list page refresh at once (htmx, `sse:inbox delay:700ms`):
200 open lists were 400 requests (rows, then view counts) and 200 identical queries and renders of
the same moment of the queue, about 3-4 CPU-seconds per event (docs/performance.md, "Live updates
and open pages"). Now each page asks once, for its rows, and the view counts come along out of band
(templates/inbox/_live_views.html); the renders are shared. Every event that refreshes the lists
increments a version in Redis in the same round trip as its PUBLISH, before it (services/events.py).
A live refresh reads that version and takes the renders stored under it; the first request of a
version renders under a short lock, and the requests arriving with it wait for that render instead
of each making its own.

Freshness: a render is keyed by the version it was asked under, read before the database, so a
change committed later is under a newer version and never hidden by an older render. Renders expire
after LIVE_CACHE_SECONDS (relative times, SLA countdowns; 0 turns sharing off), and only refreshes
the SSE stream starts use them (the page says so with the X-Parvis-Live header, parvis.js): a full
page, a "load more" or the refresh after one's own action always reads the database. Redis
unreachable: render directly.
"""
import hashlib
import logging
import time
from collections.abc import Callable

import redis
from flask import current_app, request

from .. import observability
from ..redis_conn import get_redis
from .events import INBOX_VERSION_KEY

PREFIX = "parvis:live-cache:"
LIVE_HEADER = "X-Parvis-Live"
# How long the requests arriving together wait for the first one's render before making their own;
# also the lock's expiry, should its holder die.
LOCK_SECONDS = 2.0
POLL_SECONDS = 0.005
log = logging.getLogger(__name__)


def is_live_refresh() -> bool:
    """The request is a refresh the live stream started (not the user's own action or a page load)."""
    return request.headers.get(LIVE_HEADER) == "1"


def shared(fragments: dict[str, tuple[tuple, Callable[[], str]]]) -> dict[str, str]:
    """{name: render} of each fragment at the current inbox version, made once for every page.

    `fragments`: {name: (parts, render)}, where `parts` holds everything the render depends on
    besides the data (filters, language, the user when the result is the user's own). Two Redis
    round trips when every render is there already.
    """
    ttl = current_app.config["LIVE_CACHE_SECONDS"]
    if not ttl:
        return {name: render() for name, (_, render) in fragments.items()}
    try:
        client = get_redis()
        version = (client.get(INBOX_VERSION_KEY) or b"0").decode()
        keys = {name: f"{PREFIX}{name}:{version}:{_digest(parts)}" for name, (parts, _) in fragments.items()}
        pipe = client.pipeline(transaction=False)
        pipe.mget(list(keys.values()))
        for name in fragments:
            observability.count("live_refreshes", client=pipe, fragment=name)
        found = dict(zip(keys, pipe.execute()[0]))
    except redis.RedisError as exc:
        log.warning("live refresh rendered without the shared cache: %s", exc)
        return {name: render() for name, (_, render) in fragments.items()}
    return {name: found[name].decode() if found[name] is not None
            else _render_once(client, name, keys[name], render, ttl)
            for name, (_, render) in fragments.items()}


def _digest(parts: tuple) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def _render_once(client, name: str, key: str, render: Callable[[], str], ttl: int) -> str:
    """Render under a lock, or take the render of the request holding it."""
    lock = key + ":lock"
    try:
        if not client.set(lock, "1", nx=True, px=int(LOCK_SECONDS * 1000)):
            cached = _wait_for(client, key, lock)
            if cached is not None:
                return cached.decode()
            lock = None  # its holder failed or is slow: render without it
    except redis.RedisError as exc:
        log.warning("live refresh rendered without the shared cache: %s", exc)
        return render()
    try:
        value = render()
    except BaseException:
        _release(client, lock)
        raise
    try:
        pipe = client.pipeline(transaction=False)
        pipe.set(key, value.encode(), ex=ttl)
        if lock:
            pipe.delete(lock)
        observability.count("live_refresh_renders", client=pipe, fragment=name)
        pipe.execute()
    except redis.RedisError as exc:
        log.warning("live refresh render not shared: %s", exc)
    return value


def _wait_for(client, key: str, lock: str) -> bytes | None:
    """The render another request is making, or None once its lock is gone or LOCK_SECONDS passed."""
    deadline = time.monotonic() + LOCK_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        pipe = client.pipeline(transaction=False)
        pipe.get(key)
        pipe.exists(lock)
        cached, locked = pipe.execute()
        if cached is not None or not locked:
            return cached
    return None


def _release(client, lock: str | None) -> None:
    if not lock:
        return
    try:
        client.delete(lock)
    except redis.RedisError:
        pass  # it expires by itself
