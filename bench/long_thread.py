"""The conversation page of a very long thread: server time and page size.

    python -m bench.long_thread [MESSAGES]     # default 2,000

A private-message thread with one citizen can run to thousands of messages over the years. This
adds one such conversation (MESSAGES inbound messages, copies of an existing one with earlier
dates) to the 10,000-message bench database (created when missing, as `python -m bench --only
pages` does; added once, found again on later runs), then times its conversation page and its
live refresh in process, as bench/pages.py does (p50 and max of 20 requests), beside an ordinary
conversation of the same database. The page shows the latest THREAD_WINDOW messages
(inbox/blueprints/inbox.py); before that change it rendered the whole thread. `python -m bench`
recreates that database whenever its pages section runs, so the pages section never visits it.

The API's GET /api/v1/conversations/<id> is timed the same way: its latest page (THREAD_LIMIT_DEFAULT
messages), the page at the start of the thread (reached through `earlier_before`), and the same
ordinary conversation.
"""
import sys
import time

import psycopg

from . import pages
from .context import Bench, percentile

KEY = "bench-long-thread"


def _long_conversation(dsn: str, messages: int) -> int:
    """The id of the long conversation, made once: MESSAGES copies of an inbound message."""
    with psycopg.connect(dsn) as conn:
        found = conn.execute("SELECT id FROM conversation WHERE external_id = %s", (KEY,)).fetchone()
        if found:
            return found[0]
        source = conn.execute(
            "SELECT conversation_id FROM message WHERE direction = 'in' ORDER BY id LIMIT 1").fetchone()[0]
        def columns(table: str, given: tuple) -> str:
            names = [r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns WHERE"
                                                " table_name = %s ORDER BY ordinal_position", (table,))]
            return ", ".join(n for n in names if n not in ("id", *given))

        copied = columns("conversation", ("external_id", "message_count"))
        conversation_id = conn.execute(
            f"INSERT INTO conversation ({copied}, external_id, message_count) SELECT {copied}, %s, %s"
            " FROM conversation WHERE id = %s RETURNING id", (KEY, messages, source)).fetchone()[0]
        copied = columns("message", ("conversation_id", "external_id", "body", "created_at"))
        conn.execute(
            f"INSERT INTO message ({copied}, conversation_id, external_id, body, created_at)"
            f" SELECT {copied}, %s, %s || '-' || g, m.body || ' (' || g || ')', now() - (g || ' minutes')::interval"
            " FROM (SELECT * FROM message WHERE conversation_id = %s AND direction = 'in' LIMIT 1) m,"
            " generate_series(1, %s) g", (conversation_id, KEY, source, messages))
        return conversation_id


def main(argv: list[str]) -> None:
    messages = int(argv[0]) if argv else 2000
    bench = Bench()
    try:
        psycopg.connect(bench.dsn_of(bench.baseline_database)).close()
    except psycopg.OperationalError:
        from .__main__ import main as bench_main

        bench_main(["--only", "pages"])
    long_id = _long_conversation(bench.dsn_of(bench.baseline_database), messages)
    side = pages._Side(bench, bench.baseline_database, 1)
    ordinary = side.targets["conversations"][0]
    api = f"/api/v1/conversations/{long_id}"
    for label, path, headers in (
            ("long thread page", f"/conversations/{long_id}", None),
            ("long thread live refresh", f"/conversations/{long_id}/live", None),
            ("ordinary conversation page", f"/conversations/{ordinary}", None),
            ("long thread API, latest page", api, side.api),
            ("long thread API, first page", _first_page(side, api), side.api),
            ("ordinary conversation API", f"/api/v1/conversations/{ordinary}", side.api)):
        _time(side, label, path, headers)


def _first_page(side, api: str) -> str:
    """The URL of the thread's first page, walking back through `earlier_before`."""
    path, pages_walked, seen = api, 0, 0
    while True:
        body = side.client.get(path, headers=side.api).get_json()
        pages_walked, seen = pages_walked + 1, seen + len(body["messages"])
        if body["earlier_before"] is None:
            print(f"  the API walked {seen:,} messages in {pages_walked} pages")
            return path
        path = f"{api}?before={body['earlier_before']}"


def _time(side, label: str, path: str, headers) -> None:
    for _ in range(3):
        side.client.get(path, headers=headers)
    times = []
    for _ in range(20):
        started = time.perf_counter()
        response = side.client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
    shown = path if len(path) <= 32 else path[:29] + "..."
    print(f"{label:30} {shown:32} p50 {percentile(times, 50):7.1f} ms  max {max(times):7.1f} ms  "
          f"{len(response.data) / 1024:8.1f} KB")

if __name__ == "__main__":
    main(sys.argv[1:])
