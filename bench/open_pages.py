"""Open pages: what staff keeping the inbox open costs the web servers.

Every signed-in page holds a live-update stream (/events) for as long as it is open. The
deployment of docs/deploy.md runs the pages and API on gthread workers (2 x 16 threads) and
/events on a gevent worker. This section measures, in one run, on the large bench database:

- the inbox list's time through gunicorn (HTTP, p50 / p95) with no page open, then with
  `PAGES` pages holding a stream on the gevent server: the ratio shows whether open pages
  slow anyone down;
- how long one live event takes to reach all of them (from PUBLISH to the last page's read);
- the gevent process's resident memory with them open;
- what one live event costs when `LISTS` of those pages are inbox lists, all refreshing at once
  (as htmx does after the event), in alternating rounds: now (one request each, the rows with the
  view counts along, renders shared: services/live_cache.py) against before (each page asking for
  its rows, then its counts, each rendered for it): the web workers' and PostgreSQL's CPU time per
  event, and the time from the event to the last page's refresh;
- the single-server fallback: the same pages opened on the gthread server itself, which serves
  half of its threads' worth and refuses the rest (503), and the list's time then.

    python -m bench --only open_pages
    python -m bench.open_pages --tabs 20 --threads 16 --limit unlimited   # one gthread worker, crowded
    python -m bench.open_pages --refresh --lists 200                       # one live event's cost only

The second form opens `--tabs` pages on a single gthread worker (its streams limited by
PARVIS_SSE_MAX_STREAMS=`--limit`), then asks for the inbox list with a 10 s timeout, on the
bench database that `python -m bench` left.
"""
import json
import selectors
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
import redis
import requests

from .context import USERS, login, percentile, postgres_cpu_since, postgres_cpu_times

PAGES = 500
REQUESTS = 60
LISTS = 200  # of the open pages, inbox lists refreshing on each event (docs/deploy.md's 10x: 200 staff)
WAVE_ROUNDS = 3  # per side, alternating


def _list_times(session, url: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = session.get(url + "/", timeout=30)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET / answered {response.status_code}")
    return times


def _summary(times: list[float]) -> dict:
    return {"p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1)}


class Pages:
    """`n` open pages of a signed-in `session`: raw sockets holding /events, read together with
    one selector."""

    def __init__(self, url: str, session, n: int, status_timeout: float = 30):
        host, port = url.removeprefix("http://").split(":")
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        self.socks, self.status = [], {}
        request = (f"GET /events HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
                   f"Cookie: {cookie}\r\n\r\n").encode()
        for _ in range(n):
            sock = socket.create_connection((host, int(port)), timeout=30)
            sock.sendall(request)
            self.socks.append(sock)
        for sock in self.socks:  # the status line of each answer (0: none in time, the request waits)
            sock.settimeout(status_timeout)
            head = b""
            try:
                while b"\r\n" not in head:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    head += chunk
            except TimeoutError:
                pass
            code = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
            self.status[code] = self.status.get(code, 0) + 1
            sock.setblocking(False)

    def wait_for(self, marker: bytes, timeout: float = 30) -> float | None:
        """When (perf_counter) the last open stream carried `marker`; None if not all did in time."""
        selector = selectors.DefaultSelector()
        open_socks = list(self.socks)
        for sock in open_socks:
            selector.register(sock, selectors.EVENT_READ, bytearray())
        waiting, deadline = len(open_socks), time.perf_counter() + timeout
        while waiting and time.perf_counter() < deadline:
            for key, _ in selector.select(timeout=0.5):
                try:
                    data = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                key.data.extend(data)
                if marker in key.data or not data:
                    selector.unregister(key.fileobj)
                    waiting -= 1
        selector.close()
        return None if waiting else time.perf_counter()

    def close(self):
        for sock in self.socks:
            sock.close()


class Refreshes:
    """`lists` open inbox lists refreshing together on a live event, from `sessions`' cookies."""

    def __init__(self, url: str, sessions: list, lists: int):
        self.url, self.lists = url, lists
        self.cookies = [s.cookies.get_dict() for s in sessions]
        self.pool = ThreadPoolExecutor(64)
        self.local = threading.local()

    def _refresh(self, i: int, live: bool) -> float:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        # Now: one request, the rows with the view counts along, renders shared. Before: the rows,
        # then the counts, each rendered for its page.
        headers = {"HX-Request": "true", **({"X-Parvis-Live": "1"} if live else {})}
        cookies = self.cookies[i % len(self.cookies)]
        for path in ("/inbox/rows",) if live else ("/inbox/rows", "/inbox/counts"):
            response = session.get(self.url + path, headers=headers, cookies=cookies, timeout=60)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} answered {response.status_code}")
        return time.perf_counter()

    def wave(self, bench, web_pids: list[int], live: bool) -> dict:
        """Publish one event the way Parvis does, then every list refreshes; CPU and time it took."""
        from inbox.services import events

        workers = [psutil.Process(pid) for pid in web_pids]

        def web_cpu():
            return sum(t.user + t.system for t in (p.cpu_times() for p in workers))

        client = redis.Redis.from_url(bench.redis_url)
        web_before, pg_before = web_cpu(), postgres_cpu_times(bench.database)
        published = time.perf_counter()
        events.send(client, "conversation.updated", [{"conversation_id": 0}])
        finished = max(self.pool.map(lambda i: self._refresh(i, live), range(self.lists)))
        client.close()
        return {"web_cpu_s": web_cpu() - web_before, "postgres_cpu_s": postgres_cpu_since(bench.database, pg_before),
                "last_refresh_ms": (finished - published) * 1000}

    def close(self):
        self.pool.shutdown()


def refresh_waves(bench, url: str, web_pid: int, sessions: list, lists: int = LISTS,
                  rounds: int = WAVE_ROUNDS) -> dict:
    """One live event's cost for `lists` open lists: now (one request each, shared renders) against
    before (two requests each, each rendered for its page), in alternating rounds."""
    refreshes = Refreshes(url, sessions, lists)
    web_pids = [p.pid for p in psutil.Process(web_pid).children()]
    waves = {"now": [], "before": []}
    try:
        refreshes.wave(bench, web_pids, live=False)  # warm-up: connections, plans
        for i in range(rounds * 2):
            side = ("now", "before")[(i + i // 2) % 2]  # now, before, before, now, now, before, ...
            waves[side].append(refreshes.wave(bench, web_pids, live=side == "now"))
    finally:
        refreshes.close()
    result = {"lists": lists, "rounds": rounds}
    for side, runs in waves.items():
        result[side] = {key: round(statistics.median(r[key] for r in runs), 3 if key.endswith("_s") else 1)
                        for key in runs[0]}
        result[side]["cpu_s"] = round(result[side]["web_cpu_s"] + result[side]["postgres_cpu_s"], 3)
    result["cpu_ratio"] = round(result["now"]["cpu_s"] / result["before"]["cpu_s"], 3)
    return result


def measure(bench, pages: int = PAGES) -> dict:
    from inbox.services.events import events_channel

    conf = ["-c", "python:inbox.gunicorn_conf"]
    web, web_url = bench.gunicorn("wsgi:app", "parvis-web-open-pages", workers=2, threads=16, extra=conf)
    # The pages stand for many staff but sign in with one account: no per-account cap here.
    events, events_url = bench.gunicorn("wsgi:app", "parvis-events-open-pages", workers=1,
                                        extra=[*conf, "-k", "gevent"], PARVIS_SSE_MAX_STREAMS_PER_USER="0")
    result: dict = {"pages": pages}
    with bench.running(web, events):
        session = login(web_url, USERS[0][0])
        _list_times(session, web_url, 10)  # warm-up
        baseline = _list_times(session, web_url, REQUESTS)
        result["list_no_page_open"] = _summary(baseline)

        # The deployment: open pages on the gevent server.
        opened = Pages(events_url, session, pages)
        try:
            result["events_server_served"] = opened.status.get(200, 0)
            loaded = _list_times(session, web_url, REQUESTS)
            result["list_with_pages_open"] = _summary(loaded)
            client = redis.Redis.from_url(bench.redis_url)
            # What the open pages cost Redis: subscriptions to the events channel, connections.
            result["redis_subscriptions"] = client.pubsub_numsub(events_channel(client))[0][1]
            result["redis_clients"] = client.info("clients")["connected_clients"]
            marker = f"open-pages-{time.time_ns()}"
            published = time.perf_counter()
            client.publish(events_channel(client), json.dumps({"kind": "conversation.updated",
                                                               "conversation_id": 0, "marker": marker}))
            reached = opened.wait_for(marker.encode())
            result["event_to_all_pages_ms"] = None if reached is None else round((reached - published) * 1000, 1)
            proc = psutil.Process(events.pid)
            result["events_rss_mb"] = round(max(p.memory_info().rss for p in [proc, *proc.children()]) / 2**20, 1)
            # What an event costs when LISTS of the open pages are inbox lists (two staff accounts).
            sessions = [session, *(login(web_url, email) for email, _, _ in USERS[1:])]
            result["refresh"] = refresh_waves(bench, web_url, web.pid, sessions)
        finally:
            opened.close()
        result["ratio"] = round(result["list_with_pages_open"]["p95_ms"] / result["list_no_page_open"]["p95_ms"], 2)

        # The fallback: the same pages on the gthread server itself.
        crowd = Pages(web_url, session, pages)
        try:
            result["gthread_served"] = crowd.status.get(200, 0)
            result["gthread_refused"] = crowd.status.get(503, 0)
            result["list_with_pages_on_gthread"] = _summary(_list_times(session, web_url, REQUESTS))
        finally:
            crowd.close()
    return result


def crowd(bench, tabs: int = 20, threads: int = 16, limit: str = "auto") -> dict:
    """`tabs` pages open on one gthread worker of `threads` threads, then the inbox list asked."""
    import requests

    web, url = bench.gunicorn("wsgi:app", "parvis-web-crowd", workers=1, threads=threads,
                              extra=["-c", "python:inbox.gunicorn_conf"], PARVIS_SSE_MAX_STREAMS=limit)
    result = {"tabs": tabs, "threads": threads, "limit": limit}
    with bench.running(web):
        session = login(url, USERS[0][0])
        _list_times(session, url, 5)  # warm-up
        pages = Pages(url, session, tabs, status_timeout=2)
        try:
            result["streams"] = {"served": pages.status.get(200, 0), "refused": pages.status.get(503, 0),
                                 "waiting": pages.status.get(0, 0)}
            for path in ("/", "/login"):
                started = time.perf_counter()
                try:
                    status = session.get(url + path, timeout=10).status_code
                except requests.Timeout:
                    status = "timed out"
                result[f"GET {path}"] = {"status": status, "ms": round((time.perf_counter() - started) * 1000, 1)}
        finally:
            pages.close()
    return result


if __name__ == "__main__":
    import argparse

    from .context import Bench

    parser = argparse.ArgumentParser(prog="python -m bench.open_pages", description=crowd.__doc__)
    parser.add_argument("--tabs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--limit", default="auto", help="PARVIS_SSE_MAX_STREAMS for the worker")
    parser.add_argument("--refresh", action="store_true",
                        help="only the live refresh rounds, on the web server of docs/deploy.md (2 x 16)")
    parser.add_argument("--lists", type=int, default=LISTS, help="open inbox lists refreshing (--refresh)")
    parser.add_argument("--rounds", type=int, default=WAVE_ROUNDS, help="rounds per side (--refresh)")
    args = parser.parse_args()
    bench = Bench()
    try:
        if args.refresh:
            web, web_url = bench.gunicorn("wsgi:app", "parvis-web-refresh", workers=2, threads=16,
                                          extra=["-c", "python:inbox.gunicorn_conf"])
            with bench.running(web):
                sessions = [login(web_url, email) for email, _, _ in USERS]
                print(json.dumps(refresh_waves(bench, web_url, web.pid, sessions, args.lists, args.rounds), indent=2))
            raise SystemExit(0)
        print(json.dumps(crowd(bench, args.tabs, args.threads, args.limit), indent=2))
    finally:
        bench.stop_all()
