"""Operations: structured JSON logs carrying the request or job id, and Prometheus metrics.

Metrics are counted in Redis, not in process memory: a message is ingested by one of many
gunicorn processes, classified by a forked RQ work horse on another host, and /metrics may be
scraped from any web process. Counting in Redis (INCRBY / HINCRBY, one round trip, pipelined)
makes every figure cluster-wide and safe across processes and forks without
PROMETHEUS_MULTIPROC_DIR; gauges (queue depth, pending messages, live workers) are computed
from Redis and the database at scrape time.
"""
import json
import logging
import time
import uuid
from datetime import datetime, timezone

import redis
from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
METRICS_PREFIX = "parvis:metrics:"
# Classification latency buckets (seconds from receipt to classification).
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)
COUNTERS = {
    "messages_ingested": "Inbound messages stored (duplicates excluded).",
    "messages_classified": "Messages classified by the workers.",
    "delivery_failures": "Failed deliveries of replies to a network (final=true: given up).",
    "sla_breaches": "Conversations that waited past their response-time target.",
    "live_streams_refused": "Live-update streams refused (retried by the page): limit=server, a web process "
                            "at its limit (503); limit=user, an account at PARVIS_SSE_MAX_STREAMS_PER_USER (429).",
    "live_refreshes": "List fragments asked for by open pages on a live event (fragment=rows|counts).",
    "live_refresh_renders": "Of those, the ones rendered; the others took another page's render.",
}
HISTOGRAMS = {
    "classification_latency_seconds": "Seconds from a message's receipt to its classification.",
}

log = logging.getLogger(__name__)
access_log = logging.getLogger("parvis.access")


# --- structured logs -------------------------------------------------------------------------

def current_ids() -> dict:
    """The request id (web) or the RQ job id (worker) of the code running now."""
    ids = {}
    if has_request_context():
        request_id = g.get("request_id")
        if request_id:
            ids["request_id"] = request_id
    else:
        from rq import get_current_job

        job = get_current_job()
        if job is not None:
            ids["job_id"] = job.id
    return ids


_base_record_factory = logging.getLogRecordFactory()


def _record_with_ids(*args, **kwargs) -> logging.LogRecord:
    """Stamp every log record with the request or job id when it is created (any handler sees it)."""
    record = _base_record_factory(*args, **kwargs)
    for key, value in current_ids().items():
        setattr(record, key, value)
    return record


def install_record_ids() -> None:
    if logging.getLogRecordFactory() is not _record_with_ids:
        logging.setLogRecordFactory(_record_with_ids)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, ids, and any `extra` fields."""

    _STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: int = logging.INFO, fmt: str = "json") -> None:
    """Log to stderr, one JSON object per line (fmt="json") or plain text (fmt="text")."""
    install_record_ids()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_parvis", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler._parvis = True
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)


def _begin_request():
    given = request.headers.get(REQUEST_ID_HEADER, "")
    # Accept a caller's id (nginx's $request_id) when it is short and printable, else make one.
    g.request_id = given if 0 < len(given) <= 128 and given.isprintable() else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _end_request(response):
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    if started is not None and request.endpoint not in ("ops.metrics", "ops.healthz", "static"):
        access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "method": request.method, "path": request.path, "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2)})
    return response


def init_app(app: Flask) -> None:
    """Request ids on every request and response; JSON logs unless PARVIS_LOG_FORMAT=text."""
    install_record_ids()
    app.before_request(_begin_request)
    app.after_request(_end_request)
    if app.config.get("LOG_FORMAT") and not app.config.get("TESTING"):
        configure_logging(fmt=app.config["LOG_FORMAT"])


# --- metrics kept in Redis -------------------------------------------------------------------

def _label_suffix(labels: dict) -> str:
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def count(name: str, amount: int = 1, client: redis.Redis | None = None, **labels) -> None:
    """Add to a cluster-wide counter (best effort: a Redis outage must not fail the caller)."""
    if name not in COUNTERS:
        raise KeyError(f"unknown counter {name}")
    if amount <= 0:
        return
    try:
        _client(client).hincrby(METRICS_PREFIX + name, _label_suffix(labels), amount)
    except redis.RedisError as exc:
        log.warning("metric %s not counted: %s", name, exc)


def observe(name: str, values, client: redis.Redis | None = None) -> None:
    """Record observations into a cluster-wide histogram (bucket counts, sum and count)."""
    if name not in HISTOGRAMS:
        raise KeyError(f"unknown histogram {name}")
    values = [float(v) for v in values]
    if not values:
        return
    fields: dict[str, int] = {}
    for value in values:
        bucket = next((str(b) for b in LATENCY_BUCKETS if value <= b), "+Inf")
        fields[bucket] = fields.get(bucket, 0) + 1
    try:
        pipe = _client(client).pipeline(transaction=False)
        key = METRICS_PREFIX + name
        for bucket, n in fields.items():
            pipe.hincrby(key, bucket, n)
        pipe.hincrby(key, "_count", len(values))
        pipe.hincrbyfloat(key, "_sum", sum(values))
        pipe.execute()
    except redis.RedisError as exc:
        log.warning("metric %s not observed: %s", name, exc)


def _client(client):
    if client is not None:
        return client
    from .redis_conn import get_redis

    return get_redis()
