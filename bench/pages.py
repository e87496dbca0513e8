"""Server time of the inbox list, the conversation page and the API list, plus EXPLAIN ANALYZE plans.

Server time is the time the Flask application takes to answer (in-process WSGI call: routing,
session, queries, template), without the network or gunicorn, so the comparison between 10,000
and 1,000,000 messages shows what the data size costs.
"""
import random
import time

from sqlalchemy import event

from .context import RESULTS_DIR, USERS, percentile

WARMUP = 20


def _client(app, email: str):
    from inbox.extensions import db
    from inbox.models import ApiToken, User

    with app.app_context():
        user = User.query.filter_by(email=email).one()
        token, raw = ApiToken.issue(user, "bench")
        db.session.add(token)
        db.session.commit()
        user_id = user.id
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    return client, raw


def _targets(app, n: int) -> dict:
    """Conversation ids to visit: random ones and the longest threads; a cursor for page 2."""
    from sqlalchemy import func, select

    from inbox.extensions import db
    from inbox.models import Conversation
    from inbox.services.listing import InboxFilters, conversation_query, fetch_page

    with app.app_context():
        top = db.session.scalar(select(func.max(Conversation.id)))
        longest = db.session.scalars(select(Conversation.id).order_by(Conversation.message_count.desc()).limit(5)).all()
        _, cursor = fetch_page(db.session, conversation_query(InboxFilters()), None, 50)
        chooser = random.Random(8)
        ids = [chooser.randint(1, top) for _ in range(n)] + list(longest) * 4
    return {"conversations": ids, "page2": cursor}


def _summary(times: list[float]) -> dict:
    return {"n": len(times), "p50_ms": round(percentile(times, 50), 2), "p95_ms": round(percentile(times, 95), 2)}


class _Side:
    """One database size: its app, a signed-in client, a token, and the pages to visit."""

    def __init__(self, bench, database: str, n: int):
        self.app = bench.app(database)
        self.client, token = _client(self.app, USERS[1][0])
        self.api = {"Authorization": f"Bearer {token}"}
        self.targets = _targets(self.app, n)

    def paths(self, page: str, i: int) -> tuple[str, dict | None]:
        if page == "conversation_page":
            ids = self.targets["conversations"]
            return f"/conversations/{ids[i % len(ids)]}", None
        return {
            "inbox_list": ("/", None),
            "inbox_list_all_statuses": ("/?status=all", None),
            "inbox_list_page_2": (f"/?after={self.targets['page2']}", None),
            "api_list": ("/api/v1/conversations?limit=50", self.api),
            # The renders behind a live `inbox` event's refresh, made once per event for all open
            # lists (inbox/services/live_cache.py): here without the live header, so rendered each time.
            "live_refresh_rows": ("/inbox/rows", HTMX),
            "live_refresh_counts": ("/inbox/counts", HTMX),
        }[page]

    def get(self, page: str, i: int) -> float:
        path, headers = self.paths(page, i)
        started = time.perf_counter()
        response = self.client.get(path, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
        return elapsed


PAGES = ("inbox_list", "inbox_list_all_statuses", "inbox_list_page_2", "conversation_page", "api_list",
         "live_refresh_rows", "live_refresh_counts")
HTMX = {"HX-Request": "true"}


def measure(bench, n: int = 200) -> dict:
    """p50/p95 server time of each page on the baseline and the large database.

    Requests alternate between the two databases (A, B, A, B...), so a busy neighbour on the
    machine slows both sides alike and the ratio stays fair.
    """
    sides = {"baseline": _Side(bench, bench.baseline_database, n), "large": _Side(bench, bench.database, n)}
    result = {"baseline": {}, "large": {}}
    for page in PAGES:
        times = {"baseline": [], "large": []}
        for i in range(WARMUP + n):
            for name, side in sides.items():
                elapsed = side.get(page, i)
                if i >= WARMUP:
                    times[name].append(elapsed)
        for name in sides:
            result[name][page] = _summary(times[name])
    result["ratios"] = {page: round(result["large"][page]["p95_ms"] / result["baseline"][page]["p95_ms"], 2)
                        for page in PAGES}
    for name, side in sides.items():
        result[name]["plans"] = explain(side, name)
    return result


HOT_QUERIES = {
    "worker claim (FOR UPDATE SKIP LOCKED)":
        "SELECT id FROM message WHERE classify_status = 'pending' ORDER BY received_at, id LIMIT 64 "
        "FOR UPDATE SKIP LOCKED",
    "sweeper: old pending count":
        "SELECT count(*) FROM message WHERE classify_status = 'pending' AND received_at < now() - interval '30 s'",
    "sweeper: stuck deliveries":
        "SELECT id FROM message WHERE direction = 'out' AND delivery_status = 'queued' "
        "AND delivery_attempts = 0 AND created_at < now() - interval '30 s'",
    "healthz: oldest pending":
        "SELECT min(received_at) FROM message WHERE classify_status = 'pending'",
    "stats: urgency over 30 days":
        "SELECT urgency, count(*) FROM message WHERE direction = 'in' AND created_at >= now() - interval '30 days' "
        "AND urgency IS NOT NULL GROUP BY urgency",
}


def explain(side: "_Side", label: str) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of the SQL each page runs, and of the workers' hot queries."""
    from inbox.extensions import db

    app, client, targets, api = side.app, side.client, side.targets, side.api
    captured: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        captured.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    pages = {"inbox list": "/", "inbox list page 2": f"/?after={targets['page2']}",
             "conversation page": f"/conversations/{targets['conversations'][-1]}",
             "api list": "/api/v1/conversations?limit=50"}
    plans, timings = {}, {}
    for name, path in pages.items():
        captured.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            client.get(path, headers=api if path.startswith("/api") else None)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        # The page's main query: the one reading conversation or message rows.
        interesting = [(s, p) for s, p in captured if s.lstrip().upper().startswith("SELECT")
                       and ("FROM conversation" in s or "FROM message" in s)]
        for index, (statement, parameters) in enumerate(interesting[:3]):
            plans[f"{name} #{index + 1}"] = _explain(engine, statement, parameters)
    for name, statement in HOT_QUERIES.items():
        plans[name] = _explain(engine, statement, None)
    path = RESULTS_DIR / f"plans-{label}.txt"
    path.write_text("\n\n".join(f"-- {name}\n{plan['sql']}\n{plan['plan']}" for name, plan in plans.items()),
                    encoding="utf-8")
    for name, plan in plans.items():
        timings[name] = plan["execution_ms"]
    return {"file": str(path.relative_to(RESULTS_DIR.parent.parent)), "execution_ms": timings}


def _explain(engine, statement: str, parameters) -> dict:
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            lines = [row[0] for row in cursor.fetchall()]
        raw.rollback()
    execution = next((float(line.split(":")[1].split()[0]) for line in lines if line.startswith("Execution Time")), None)
    return {"sql": statement.strip(), "plan": "\n".join(lines), "execution_ms": execution}
