"""PostgreSQL restarts under load: a private cluster on its own port is stopped and started while
an integration streams messages through the real HTTP server and a worker classifies them.

The web answers 503 + Retry-After while the database is away (never a 500, never half-written),
the pool replaces dead connections afterwards (inbox/db_pool.py), the integration retries, the worker and its
sweeper carry on. Counts: every message once, classified once.
"""
import json
import threading
import time

import pytest
import requests
from flask_migrate import upgrade
from werkzeug.serving import make_server

from inbox import create_app
from inbox.blueprints.api import sign
from inbox.extensions import db
from inbox.models import Channel
from tests.conftest import REDIS_URL
from tests.e2e.conftest import wait_for
from tests.reliability.processes import (
    TEXTS, PrivatePostgres, assert_each_message_once_and_classified_once, count, elapsed, start_worker, stop,
)

MESSAGES = 300
PER_REQUEST = 5


class Integration(threading.Thread):
    """A channel integration posting batches, retrying on 503 and connection errors like a real one."""

    def __init__(self, url, channel_id, secret):
        super().__init__(daemon=True)
        self.url, self.channel_id, self.secret = url, channel_id, secret
        self.sent: set[str] = set()
        self.answers: dict[int, int] = {}
        self.errors: list[str] = []

    def run(self):
        session = requests.Session()
        for start in range(0, MESSAGES, PER_REQUEST):
            items = [{"external_id": f"pg-{i}", "kind": "comment", "text": f"{TEXTS[i % len(TEXTS)]} ({i})",
                      "created_at": "2026-11-20T10:00:00Z", "author": {"external_id": f"u{i % 17}"}}
                     for i in range(start, start + PER_REQUEST)]
            body = json.dumps(items).encode()
            headers = {"Content-Type": "application/json", "X-Parvis-Signature": sign(self.secret, body)}
            deadline = time.monotonic() + 120
            while True:
                try:
                    response = session.post(f"{self.url}/api/v1/channels/{self.channel_id}/messages", data=body,
                                            headers=headers, timeout=10)
                    status = response.status_code
                except requests.RequestException:
                    status = 0
                self.answers[status] = self.answers.get(status, 0) + 1
                if status in (200, 201):
                    self.sent.update(item["external_id"] for item in items)
                    break
                if status not in (0, 503) or time.monotonic() > deadline:
                    self.errors.append(f"{status}: {response.text[:200] if status else 'no answer'}")
                    return
                time.sleep(0.2)
            time.sleep(0.02)


@pytest.fixture
def private_app(tmp_path, redis_client, monkeypatch):
    with PrivatePostgres() as cluster:
        monkeypatch.setenv("PARVIS_INSTANCE", str(tmp_path / "instance"))
        application = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": cluster.url, "REDIS_URL": REDIS_URL,
                                  "SECRET_KEY": "test-secret-key", "WTF_CSRF_ENABLED": False})
        with application.app_context():
            upgrade()
            yield application, cluster
            db.session.remove()
            db.engine.dispose()


def test_postgres_restart_under_load_loses_and_doubles_nothing(private_app, tmp_path):
    app, cluster = private_app
    channel = Channel(name="pg", kind="api", settings={}, secrets={"signing_secret": Channel.new_secret()})
    db.session.add(channel)
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    worker = start_worker(app, tmp_path, "pg-restart", batch=8, lease=5, database_url=cluster.url)
    integration = Integration(url, channel.id, channel.signing_secret)
    try:
        integration.start()
        wait_for(lambda: len(integration.sent) >= MESSAGES // 3, timeout=120, message="a third of the stream")
        db.session.remove()
        cluster.stop("fast")  # terminates every connection, web and worker alike
        down = time.monotonic()
        during_outage = requests.get(f"{url}/api/v1/conversations", headers={"Authorization": "Bearer x"}, timeout=10)
        time.sleep(3)
        cluster.start()
        outage = elapsed(down)
        integration.join(timeout=240)
        assert not integration.is_alive() and integration.errors == []
        wait_for(lambda: count("done") == MESSAGES, timeout=180, interval=0.5, message="every message classified")
        recovered = requests.get(f"{url}/login", timeout=10)
    finally:
        stop(worker)
        server.shutdown()
    assert during_outage.status_code == 503 and during_outage.headers["Retry-After"]
    assert "temporarily unavailable" in during_outage.json()["error"]
    assert recovered.status_code == 200
    figures = assert_each_message_once_and_classified_once(integration.sent)
    figures.update(outage_seconds=outage, answers=integration.answers)
    print("postgres-restart", json.dumps(figures))
    assert integration.answers.get(500, 0) == 0
    assert integration.answers.get(503, 0) + integration.answers.get(0, 0) > 0, "the restart was not noticed"
    assert figures["lost"] == figures["duplicated"] == figures["classified_twice"] == 0
