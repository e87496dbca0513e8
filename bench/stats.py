"""Benchmark: the supervisor dashboard over 90 days at 10,000 and 1,000,000 messages in PostgreSQL.

    PYTHONPATH=$PWD python -m bench.stats [--scale 0.1] [--database postgresql+psycopg://...]

Loads synthetic data with COPY (conversations, messages, cycles, reply events as the services
would have written them), runs VACUUM ANALYZE, then times the dashboard: the service call and the
whole GET /api/v1/stats request (JSON included), median of several warm runs. Prints the figures
and the ratio of the large run to the small one, both measured in this run.
"""
import argparse
import os
import statistics
import time
from datetime import datetime, timedelta, timezone

import numpy as np
import psycopg
from sqlalchemy import create_engine, text

DAYS = 90
CHANNELS = ("Facebook", "Instagram", "Mastodon")
AGENTS = 12
URGENCIES = np.array(["critical", "high", "normal", "low"])
SENTIMENTS = np.array(["negative", "neutral", "positive"])
TARGET_MS = 500


def _psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def ensure_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(_psycopg_url(base + "/postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def make_app(url: str):
    os.environ.setdefault("SECRET_KEY", "bench-secret")
    os.environ.setdefault("PARVIS_INSTANCE", "/tmp/parvis-bench-instance")
    from inbox import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench-secret",
                       "REDIS_URL": os.environ.get("PARVIS_BENCH_REDIS", "redis://127.0.0.1:6379/5")})


def reset_schema(app, url: str) -> None:
    from flask_migrate import upgrade

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    with app.app_context():
        upgrade()


def generate(messages: int, now: datetime, seed: int = 5):
    """Rows for every table, shaped like a town hall's traffic (busier in the day, on weekdays)."""
    rng = np.random.default_rng(seed)
    conversations = max(int(messages / 2.2), 1)
    start = now - timedelta(days=DAYS)
    # Opening times: uniform days, hours weighted towards 8-20 h.
    hour_weights = np.array([1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 10, 9, 10, 11, 11, 10, 9, 8, 7, 6, 4, 2, 1], float)
    hours = rng.choice(24, size=conversations, p=hour_weights / hour_weights.sum())
    days = rng.integers(0, DAYS, size=conversations)
    opened = (days * 86400 + hours * 3600 + rng.integers(0, 3600, size=conversations)).astype(np.int64)
    channel = rng.integers(1, len(CHANNELS) + 1, size=conversations)
    post = rng.integers(1, 800, size=conversations)
    urgency = rng.choice(4, size=conversations, p=[0.02, 0.1, 0.6, 0.28])
    sentiment = rng.choice(3, size=conversations, p=[0.35, 0.45, 0.2])
    # About two inbound messages and one reply per conversation.
    inbound = rng.choice([1, 2, 3], size=conversations, p=[0.45, 0.35, 0.2])
    answered = rng.random(conversations) < 0.85
    first_delay = rng.lognormal(mean=8.0, sigma=1.2, size=conversations).astype(np.int64)
    resolved = answered & (rng.random(conversations) < 0.8)
    agent = rng.integers(1, AGENTS + 1, size=conversations)
    return dict(rng=rng, n=conversations, start=start, opened=opened, channel=channel, post=post, urgency=urgency,
                sentiment=sentiment, inbound=inbound, answered=answered, first_delay=first_delay,
                resolved=resolved, agent=agent, budget=messages)


def _ts(start: datetime, seconds: int) -> str:
    return (start + timedelta(seconds=int(seconds))).isoformat()


def load(url: str, data: dict, now: datetime) -> int:
    """COPY everything in; returns the number of messages loaded."""
    start, n = data["start"], data["n"]
    created = now.isoformat()
    written = 0
    with psycopg.connect(_psycopg_url(url)) as conn, conn.cursor() as cur:
        # Bulk load without the statistics triggers; count_rollup.rebuild() fills the rollups after.
        cur.execute("SET session_replication_role = replica")
        with cur.copy("COPY channel (id, kind, name, settings, secrets, enabled, created_at) FROM STDIN") as copy:
            for i, name in enumerate(CHANNELS, 1):
                copy.write_row((i, "api", name, "{}", "-", True, created))
        with cur.copy('COPY "user" (id, email, name, password_hash, role, locale, active, created_at) FROM STDIN') as copy:
            for i in range(1, AGENTS + 1):
                copy.write_row((i, f"agent{i}@bench.example", f"Agent {i}", "-", "agent", "fr", True, created))
        with cur.copy("COPY author (id, channel_id, external_id, blocked, created_at) FROM STDIN") as copy:
            for i in range(n):
                copy.write_row((i + 1, int(data["channel"][i]), f"a{i}", False, created))
        conversation_rows, message_rows, cycle_rows, reply_rows = [], [], [], []
        message_id = 0
        for i in range(n):
            if written >= data["budget"]:
                break
            cid, ch = i + 1, int(data["channel"][i])
            t0 = int(data["opened"][i])
            urgency, sentiment = URGENCIES[data["urgency"][i]], SENTIMENTS[data["sentiment"][i]]
            times = [t0 + k * 1800 for k in range(int(data["inbound"][i]))]
            for k, t in enumerate(times):
                message_id += 1
                message_rows.append((message_id, cid, ch, f"m{message_id}", "in", cid, None, "x", _ts(start, t),
                                     _ts(start, t), "visible", "done", 0, sentiment if k == 0 else "neutral",
                                     urgency if k == 0 else "normal", False, False, False, False, 1, 0, None))
            first_at = reply_id = None
            if data["answered"][i]:
                first_at = t0 + int(data["first_delay"][i])
                message_id += 1
                reply_id = message_id
                message_rows.append((message_id, cid, ch, None, "out", None, int(data["agent"][i]), "Réponse",
                                     _ts(start, first_at), _ts(start, first_at), "visible", None, 0, None, None,
                                     False, False, False, False, 0, 0, "sent"))
            written += len(times) + (1 if reply_id else 0)
            resolved_at = first_at + 600 if data["resolved"][i] else None
            status = "resolved" if resolved_at else ("pending" if first_at else "open")
            last = max(times[-1], first_at or 0)
            conversation_rows.append((cid, ch, f"t{cid}", "comment", cid, f"post-{data['post'][i]}", status,
                                      urgency, int(data["urgency"][i]), sentiment, False, _ts(start, t0),
                                      None if first_at else _ts(start, t0),
                                      _ts(start, first_at) if first_at else None,
                                      _ts(start, resolved_at) if resolved_at else None, _ts(start, last),
                                      len(times) + (1 if reply_id else 0), created))
            due = t0 + {"critical": 1800, "high": 7200, "normal": 86400, "low": None}[urgency] \
                if urgency != "low" else None
            delay = first_at - t0 if first_at else None
            cycle_rows.append((cid, cid, ch, 1, _ts(start, t0), _ts(start, t0),
                               _ts(start, first_at) if first_at else None, int(data["agent"][i]) if first_at else None,
                               delay, delay * 0.4 if delay is not None else None, urgency,
                               _ts(start, due) if due else None, _ts(start, resolved_at) if resolved_at else None,
                               int(data["agent"][i]) if resolved_at else None,
                               resolved_at - t0 if resolved_at else None,
                               (resolved_at - t0) * 0.4 if resolved_at else None, created))
            if reply_id:
                reply_rows.append((reply_id, cid, cid, reply_id, int(data["agent"][i]), ch, _ts(start, first_at),
                                   _ts(start, t0), True, delay, delay * 0.4))
        with cur.copy("COPY conversation (id, channel_id, external_id, kind, author_id, post_external_id, status, "
                      "urgency, urgency_rank, sentiment, flagged, opened_at, waiting_since, first_response_at, "
                      "resolved_at, last_message_at, message_count, created_at) FROM STDIN") as copy:
            for row in conversation_rows:
                copy.write_row(row)
        with cur.copy("COPY message (id, conversation_id, channel_id, external_id, direction, author_id, user_id, "
                      "body, created_at, received_at, visibility, classify_status, classify_attempts, sentiment, "
                      "urgency, flag_toxic, flag_threat, flag_spam, flag_personal_data, classification_writes, "
                      "delivery_attempts, delivery_status) FROM STDIN") as copy:
            for row in message_rows:
                copy.write_row(row)
        with cur.copy("COPY conversation_cycle (id, conversation_id, channel_id, seq, opened_at, first_inbound_at, "
                      "first_response_at, first_responder_id, first_response_seconds, "
                      "first_response_business_seconds, urgency, sla_due_at, resolved_at, resolver_id, "
                      "resolution_seconds, resolution_business_seconds, created_at) FROM STDIN") as copy:
            for row in cycle_rows:
                copy.write_row(row)
        with cur.copy("COPY reply_event (id, conversation_id, cycle_id, message_id, user_id, channel_id, replied_at, "
                      "waiting_since, is_first, wait_seconds, wait_business_seconds) FROM STDIN") as copy:
            for row in reply_rows:
                copy.write_row(row)
        for table in ("channel", "user", "author", "conversation", "message", "conversation_cycle", "reply_event"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f"COALESCE((SELECT max(id) FROM \"{table}\"), 1))")
        conn.commit()
    with psycopg.connect(_psycopg_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return len(message_rows)


def measure(app, now: datetime, runs: int) -> dict:
    from inbox.extensions import db
    from inbox.models import ApiToken, User
    from inbox.services.dashboard import dashboard
    from inbox.services.stats_filters import StatsFilters

    with app.app_context():
        supervisor = User(email="sup@bench.example", name="Sup", role="supervisor", password_hash="-")
        db.session.add(supervisor)
        token, raw = ApiToken.issue(supervisor, "bench")
        db.session.add(token)
        db.session.commit()
        args = {"from": (now - timedelta(days=DAYS)).isoformat(), "to": now.isoformat()}
        service, api = [], []
        client = app.test_client()
        for _ in range(runs):
            filters = StatsFilters.from_args(args, now=now)
            t = time.perf_counter()
            figures = dashboard(filters, now=now)
            service.append((time.perf_counter() - t) * 1000)
            db.session.remove()
            t = time.perf_counter()
            response = client.get("/api/v1/stats", query_string=args, headers={"Authorization": f"Bearer {raw}"})
            api.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, response.get_data(as_text=True)
        return {"service_ms": statistics.median(service), "api_ms": statistics.median(api),
                "inbound_in_range": figures["volume"]["total"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get(
        "PARVIS_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/parvis_bench_stats"))
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 1,000,000 messages for the large run")
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    ensure_database(options.database)
    app = make_app(options.database)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    results = []
    for size in (10_000, int(1_000_000 * options.scale)):
        reset_schema(app, options.database)
        t = time.perf_counter()
        loaded = load(options.database, generate(size, now), now)
        load_s = time.perf_counter() - t
        with app.app_context():  # what the worker's sweep does every few seconds
            from inbox.services import count_rollup, rollup

            rollup.refresh()
            count_rollup.rebuild()  # what the triggers maintain on every write (bypassed by the COPY)
        figures = measure(app, now, options.runs)
        results.append((loaded, figures))
        print(f"{loaded:>9,} messages  load {load_s:6.1f} s  dashboard service {figures['service_ms']:7.1f} ms  "
              f"GET /api/v1/stats {figures['api_ms']:7.1f} ms  ({figures['inbound_in_range']:,} inbound in 90 days)",
              flush=True)
    (small, small_f), (large, large_f) = results
    ratio = large_f["api_ms"] / small_f["api_ms"]
    print(f"ratio {large:,} / {small:,} messages: {ratio:.1f}x for {large / small:.0f}x the data; "
          f"target < {TARGET_MS} ms at the large size: {'met' if large_f['api_ms'] < TARGET_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
