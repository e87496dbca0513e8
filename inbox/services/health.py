"""Health of the whole deployment (database, Redis, workers, queues) and the Prometheus families.

Computed at call time from PostgreSQL/SQLite and Redis, so any web process answers for the
whole cluster.
"""
import time
import redis
from flask import current_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from rq import Queue, Worker
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from .. import observability
from ..extensions import db
from ..models import Message
from ..models.base import utcnow
from ..redis_conn import get_redis
from .queue import ALL_QUEUES

# A worker whose last heartbeat is older than this is reported dead (RQ beats every ~10 s).
HEARTBEAT_MAX_AGE_SECONDS = 60


def _database() -> dict:
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
        oldest = db.session.scalar(select(func.min(Message.received_at)).where(
            Message.classify_status == "pending"))
        pending = db.session.scalar(select(func.count()).select_from(Message).where(
            Message.classify_status.in_(("pending", "processing"))))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return {"ok": False, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
    age = (utcnow() - oldest).total_seconds() if oldest else 0.0
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2),
            "unclassified_messages": pending, "oldest_pending_seconds": round(age, 1)}


def _redis_and_workers() -> dict:
    client = get_redis()
    try:
        started = time.perf_counter()
        client.ping()
        latency = round((time.perf_counter() - started) * 1000, 2)
        queues = {name: Queue(name, connection=client).count for name in ALL_QUEUES}
        now = utcnow()
        workers = []
        for worker in Worker.all(connection=client):
            beat = worker.last_heartbeat
            age = (now - beat.replace(tzinfo=beat.tzinfo or now.tzinfo)).total_seconds() if beat else None
            workers.append({"name": worker.name, "state": worker.get_state(), "queues": worker.queue_names(),
                            "heartbeat_age_seconds": None if age is None else round(age, 1),
                            "alive": age is not None and age <= HEARTBEAT_MAX_AGE_SECONDS})
    except redis.RedisError as exc:
        return {"redis": {"ok": False, "error": f"{type(exc).__name__}: {exc}"}, "queues": None, "workers": None}
    return {"redis": {"ok": True, "latency_ms": latency}, "queues": queues, "workers": workers}


def check() -> tuple[bool, dict]:
    """(healthy, details). Unhealthy: database or Redis down, no live worker, or work waiting too long."""
    config = current_app.config
    report = {"database": _database(), **_redis_and_workers()}
    problems = []
    if not report["database"]["ok"]:
        problems.append("database unreachable")
    if not report["redis"]["ok"]:
        problems.append("redis unreachable")
    live = [w for w in report["workers"] or [] if w["alive"]]
    report["live_workers"] = len(live)
    if report["redis"]["ok"] and config.get("HEALTH_REQUIRE_WORKER", True) and not live:
        problems.append("no live worker")
    max_age = config.get("HEALTH_MAX_PENDING_SECONDS", 300)
    if report["database"]["ok"] and report["database"]["oldest_pending_seconds"] > max_age:
        problems.append(f"a message has waited more than {max_age} s for classification")
    max_depth = config.get("HEALTH_MAX_QUEUE_DEPTH", 10000)
    for name, depth in (report["queues"] or {}).items():
        if depth > max_depth:
            problems.append(f"queue {name} holds {depth} jobs (more than {max_depth})")
    report["problems"] = problems
    report["status"] = "ok" if not problems else "unhealthy"
    return not problems, report


class ClusterCollector:
    """prometheus_client collector: counters and histograms kept in Redis, gauges computed now."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        with self.app.app_context():
            client = get_redis()
            yield from self._counters(client)
            yield from self._histograms(client)
            yield from self._gauges(client)

    def _counters(self, client):
        for name, doc in observability.COUNTERS.items():
            samples = []
            for raw_labels, value in client.hgetall(observability.METRICS_PREFIX + name).items():
                pairs = [p.split("=", 1) for p in raw_labels.decode().split(",") if p]
                samples.append(([k for k, _ in pairs], [v for _, v in pairs], float(value)))
            # One label set per counter (the callers always pass the same label names).
            label_names = samples[0][0] if samples else []
            family = CounterMetricFamily(f"parvis_{name}", doc, labels=label_names)
            if not samples:
                family.add_metric([], 0.0)
            for names, values, value in samples:
                if names == label_names:
                    family.add_metric(values, value)
            yield family

    def _histograms(self, client):
        for name, doc in observability.HISTOGRAMS.items():
            raw = {k.decode(): float(v) for k, v in client.hgetall(observability.METRICS_PREFIX + name).items()}
            cumulative, buckets = 0.0, []
            for bound in (*observability.LATENCY_BUCKETS, "+Inf"):
                cumulative += raw.get(str(bound), 0.0)
                buckets.append((str(bound), cumulative))
            family = HistogramMetricFamily(f"parvis_{name}", doc)
            family.add_metric([], buckets, sum_value=raw.get("_sum", 0.0))
            yield family

    def _gauges(self, client):
        depth = GaugeMetricFamily("parvis_queue_depth", "Jobs waiting in each RQ queue.", labels=["queue"])
        for name in ALL_QUEUES:
            depth.add_metric([name], Queue(name, connection=client).count)
        yield depth
        workers = Worker.all(connection=client)
        yield GaugeMetricFamily("parvis_workers", "RQ workers registered in Redis.", value=len(workers))
        try:
            pending, oldest = db.session.execute(
                select(func.count(), func.min(Message.received_at)).where(
                    Message.classify_status.in_(("pending", "processing")))).one()
        finally:
            db.session.remove()
        yield GaugeMetricFamily("parvis_unclassified_messages",
                                "Messages waiting for (or in) classification.", value=pending)
        age = (utcnow() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily("parvis_oldest_unclassified_seconds",
                                "Age of the oldest message waiting for classification.", value=age)
