"""Operations: /healthz, /metrics, request ids and JSON logs carrying the request or job id."""
import json
import logging
from datetime import timedelta

from rq import Queue, SimpleWorker, Worker

from inbox import create_app, observability
from inbox.extensions import db
from inbox.models import Message
from inbox.models.base import utcnow
from tests.helpers import post_signed


def _live_worker(redis_client, name="ops-test-worker") -> Worker:
    """A real RQ worker registration with a fresh heartbeat (what `parvis worker` does on start)."""
    worker = Worker(["classify"], connection=redis_client, name=name)
    worker.register_birth()
    worker.heartbeat()
    return worker


def test_healthz_is_503_without_a_worker_and_200_with_one(app, client, redis_client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unhealthy" and "no live worker" in body["problems"]
    assert body["database"]["ok"] and body["redis"]["ok"]
    assert set(body["queues"]) == {"classify", "deliver", "maintenance"}

    worker = _live_worker(redis_client)
    try:
        response = client.get("/healthz")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["status"] == "ok" and body["live_workers"] == 1
        assert body["workers"][0]["name"] == "ops-test-worker" and body["workers"][0]["alive"]
    finally:
        worker.register_death()


def test_healthz_reports_a_message_waiting_too_long_and_queue_depth(app, client, factory, redis_client):
    worker = _live_worker(redis_client)
    try:
        channel = factory.channel()
        assert post_signed(client, channel, factory.payload()).status_code == 201
        body = client.get("/healthz").get_json()
        assert body["database"]["unclassified_messages"] == 1
        assert body["queues"]["classify"] == 1  # the wake-up job waits for a worker
        db.session.execute(db.update(Message).values(received_at=utcnow() - timedelta(minutes=10)))
        db.session.commit()
        response = client.get("/healthz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["database"]["oldest_pending_seconds"] >= 600
        assert any("waited more than 300 s" in p for p in body["problems"])
    finally:
        worker.register_death()


def test_healthz_names_redis_when_it_is_unreachable(app, tmp_path):
    broken = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": "redis://127.0.0.1:1/0", "SECRET_KEY": "test-secret-key",
    })
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert "redis unreachable" in body["problems"] and body["redis"]["ok"] is False
    assert body["database"]["ok"] is True
    with broken.app_context():
        db.engine.dispose()


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics:\n{text}")


def test_metrics_count_ingestion_queue_depth_latency_and_failures(app, client, factory, redis_client):
    channel = factory.channel()
    before = client.get("/metrics")
    assert before.status_code == 200 and before.mimetype == "text/plain"
    assert _metric(before.get_data(as_text=True), "parvis_messages_ingested_total") == 0
    for _ in range(3):
        assert post_signed(client, channel, factory.payload()).status_code == 201
    post_signed(client, channel, factory.payload(external_id="ext-1"))  # duplicate: not counted
    observability.observe("classification_latency_seconds", [0.2, 0.7, 42.0])
    observability.count("delivery_failures", final="true")
    observability.count("sla_breaches", 2)
    text = client.get("/metrics").get_data(as_text=True)
    assert _metric(text, "parvis_messages_ingested_total") == 3
    assert _metric(text, 'parvis_queue_depth{queue="classify"}') == 1
    assert _metric(text, "parvis_unclassified_messages") == 3
    assert _metric(text, 'parvis_classification_latency_seconds_bucket{le="0.25"}') == 1
    assert _metric(text, 'parvis_classification_latency_seconds_bucket{le="1.0"}') == 2
    assert _metric(text, 'parvis_classification_latency_seconds_bucket{le="+Inf"}') == 3
    assert _metric(text, "parvis_classification_latency_seconds_count") == 3
    assert _metric(text, 'parvis_delivery_failures_total{final="true"}') == 1
    assert _metric(text, "parvis_sla_breaches_total") == 2


def test_metrics_token_when_configured(app, client):
    app.config["METRICS_TOKEN"] = "s3cret-metrics"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"}).status_code == 200


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_request_id_is_kept_or_made_and_logged_as_json(app, client, factory):
    given = client.get("/login", headers={"X-Request-ID": "req-from-nginx-42"})
    assert given.headers["X-Request-ID"] == "req-from-nginx-42"
    made = client.get("/login")
    assert len(made.headers["X-Request-ID"]) == 32
    assert made.headers["X-Request-ID"] != client.get("/login").headers["X-Request-ID"]
    formatter = observability.JsonFormatter()
    access = logging.getLogger("parvis.access")
    handler, level = _Records(), access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        client.get("/login", headers={"X-Request-ID": "req-77"})
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    lines = [json.loads(formatter.format(r)) for r in handler.records]
    assert lines, "no access log line"
    entry = lines[-1]
    assert entry["request_id"] == "req-77" and entry["path"] == "/login" and entry["status"] == 200
    assert entry["level"] == "info" and entry["duration_ms"] >= 0


def log_inside_a_job() -> str:
    """RQ job used by the test below: returns a log line made inside the job."""
    record = logging.getLogger("workers.test").makeRecord("workers.test", logging.INFO, __file__, 1,
                                                           "classified %d", (3,), None)
    return observability.JsonFormatter().format(record)


def test_logs_inside_a_job_carry_the_job_id(redis_client):
    observability.install_record_ids()  # what `parvis worker` does through configure_logging
    queue = Queue("maintenance", connection=redis_client)
    job = queue.enqueue(log_inside_a_job)
    SimpleWorker([queue], connection=redis_client).work(burst=True)
    job.refresh()
    entry = json.loads(job.return_value())
    assert entry["job_id"] == job.id and entry["message"] == "classified 3"


def test_gunicorn_entry_point_freezes_the_start_up_heap(tmp_path):
    """wsgi.py (what gunicorn loads) moves the start-up objects out of the cyclic collector's
    reach, so a full collection no longer walks them during a request."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PARVIS_INSTANCE=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/p.db",
               REDIS_URL="redis://127.0.0.1:6379/15", SECRET_KEY="test", PYTHONPATH=str(root))
    script = ("import gc; before = gc.get_freeze_count(); import wsgi; "
              "print(before, gc.get_freeze_count(), type(wsgi.app).__name__)")
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    before, after, kind = out.stdout.split()
    assert int(before) == 0 and int(after) > 50_000 and kind == "Flask"
