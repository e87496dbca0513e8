"""Open pages: what staff keeping the inbox open costs the web servers.

Every signed-in page holds a live-update stream (/events) for as long as it is open. The
deployment of docs/deploy.md runs the pages and API on gthread workers (2 x 16 threads) and
/events on a gevent worker. This section measures, in one run, on the large bench database:

- the inbox list's time through gunicorn (HTTP, p50 / p95) with no page open, then with
  `PAGES` pages holding a stream on the gevent server: the ratio shows whether open pages
  slow anyone down;
- how long one live event takes to reach all of them (from PUBLISH to the last page's read);
- the gevent process's resident memory with them open;
- the single-server fallback: the same pages opened on the gthread server itself, which serves
  half of its threads' worth and refuses the rest (503), and the list's time then.

    python -m bench --only open_pages
    python -m bench.open_pages --tabs 20 --threads 16 --limit unlimited   # one gthread worker, crowded

The second form opens `--tabs` pages on a single gthread worker (its streams limited by
PARVIS_SSE_MAX_STREAMS=`--limit`), then asks for the inbox list with a 10 s timeout, on the
bench database that `python -m bench` left.
"""
import json
import selectors
import socket
import time

import psutil
import redis

from .context import USERS, login, percentile

PAGES = 500
REQUESTS = 60


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


def measure(bench, pages: int = PAGES) -> dict:
    from inbox.services.events import events_channel

    conf = ["-c", "python:inbox.gunicorn_conf"]
    web, web_url = bench.gunicorn("wsgi:app", "parvis-web-open-pages", workers=2, threads=16, extra=conf)
    events, events_url = bench.gunicorn("wsgi:app", "parvis-events-open-pages", workers=1,
                                        extra=[*conf, "-k", "gevent"])
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
            marker = f"open-pages-{time.time_ns()}"
            published = time.perf_counter()
            client.publish(events_channel(client), json.dumps({"kind": "conversation.updated",
                                                               "conversation_id": 0, "marker": marker}))
            reached = opened.wait_for(marker.encode())
            result["event_to_all_pages_ms"] = None if reached is None else round((reached - published) * 1000, 1)
            proc = psutil.Process(events.pid)
            result["events_rss_mb"] = round(max(p.memory_info().rss for p in [proc, *proc.children()]) / 2**20, 1)
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
    args = parser.parse_args()
    bench = Bench()
    try:
        print(json.dumps(crowd(bench, args.tabs, args.threads, args.limit), indent=2))
    finally:
        bench.stop_all()
