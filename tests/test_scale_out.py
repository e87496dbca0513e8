"""Scale-out: three `parvis worker` processes and two gunicorn web processes share PostgreSQL and Redis.

Every message posted (to either web process) is classified exactly once, and live events fan out
through Redis pub/sub to SSE clients connected to both web processes.
"""
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from rq import Worker
from sqlalchemy import select

from inbox.blueprints.api import sign
from inbox.extensions import db
from inbox.models import Message
from inbox.redis_conn import get_redis
from tests.conftest import POSTGRES_URL, REDIS_URL
from tests.helpers import stop_process_groups

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, timeout: float, what: str, processes=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process, log in processes:
            if process.poll() is not None:
                raise AssertionError(f"{what}: a process exited:\n{log.read_text()[-3000:]}")
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


class EventStream(threading.Thread):
    """A signed-in browser's SSE connection to one web process, recording classified message ids."""

    def __init__(self, base_url: str, email: str, password: str):
        super().__init__(daemon=True)
        self.session = requests.Session()
        page = self.session.get(base_url + "/login", timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        data = {"email": email, "password": password, **({"csrf_token": token.group(1)} if token else {})}
        assert self.session.post(base_url + "/login", data=data, allow_redirects=False, timeout=10).status_code == 302
        self.response = self.session.get(base_url + "/events", stream=True, timeout=(5, 120))
        assert self.response.status_code == 200
        self.classified: list[int] = []
        self.connected = threading.Event()

    def run(self):
        try:
            name = None
            for line in self.response.iter_lines(chunk_size=1, decode_unicode=True):
                self.connected.set()
                if line and line.startswith("event: "):
                    name = line[7:]
                # Each event is framed under several names (inbox, conversation-<id>); count the
                # "inbox" frame only, so a message classified twice would show up twice.
                elif line and line.startswith("data: ") and name == "inbox":
                    event = json.loads(line[6:])
                    if event["kind"] == "message.classified":
                        self.classified.append(int(event["message_id"]))
        except (requests.RequestException, AttributeError):
            return  # the stream was closed at the end of the test


@pytest.fixture
def cluster(app, tmp_path):
    """Start 3 workers and 2 gunicorn masters (-w 1, threads) on the test PostgreSQL and Redis."""
    env = dict(os.environ, DATABASE_URL=POSTGRES_URL, REDIS_URL=REDIS_URL, SECRET_KEY="test-secret-key",
               PARVIS_INSTANCE=str(tmp_path / "instance"), PARVIS_LOG_FORMAT="json",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    processes = []

    def start(args, name):
        log = tmp_path / f"{name}.log"
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                   start_new_session=True)
        processes.append((process, log))
        return process

    workers = [f"scale-worker-{i}" for i in range(3)]
    for name in workers:
        start([sys.executable, "-m", "workers", "worker", "--name", name, "--sweep-every", "5"], name)
    urls = []
    for i in range(2):
        port = _free_port()
        start([sys.executable, "-m", "gunicorn", "-c", "python:inbox.gunicorn_conf", "-w", "1", "--threads", "4",
               "-b", f"127.0.0.1:{port}", "wsgi:app"], f"web-{i}")
        urls.append(f"http://127.0.0.1:{port}")
    try:
        def webs_up():
            try:
                return all(requests.get(u + "/login", timeout=2).status_code == 200 for u in urls)
            except requests.RequestException:
                return False

        _wait(webs_up, 90, "the web processes", processes)
        redis_conn = get_redis(app)
        _wait(lambda: {w.name for w in Worker.all(connection=redis_conn)} >= set(workers), 300,
              "three workers with the model loaded", processes)
        yield {"urls": urls, "workers": workers, "redis": redis_conn, "processes": processes}
    finally:
        stop_process_groups(processes)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgresql"])  # several hosts share PostgreSQL, never a SQLite file
def test_three_workers_two_web_processes_classify_once_and_fan_out(app, factory, cluster):
    user = factory.user(password="scale-out-password")
    channel = factory.channel()
    secret, channel_id = channel.signing_secret, channel.id
    streams = [EventStream(url, user.email, "scale-out-password") for url in cluster["urls"]]
    for stream in streams:
        stream.start()
        assert stream.connected.wait(10), "no SSE preamble"

    posted = []
    for i in range(MESSAGES):
        body = json.dumps({"external_id": f"scale-{i}", "kind": "comment",
                           "text": f"Question {i} : la piscine est-elle ouverte dimanche ?",
                           "created_at": "2026-11-26T09:00:00Z",
                           "author": {"external_id": f"citizen-{i % 7}", "name": "Citoyen"}}).encode()
        url = cluster["urls"][i % 2]  # alternate between the two web processes
        response = requests.post(f"{url}/api/v1/channels/{channel_id}/messages", data=body, timeout=30,
                                 headers={"Content-Type": "application/json", "X-Parvis-Signature": sign(secret, body)})
        assert response.status_code == 201, response.text
        posted.append(response.json()["id"])
        if i % 10 == 9:
            time.sleep(0.5)  # a stream, not one burst: several wake-ups reach several workers

    def all_classified():
        db.session.expire_all()
        statuses = db.session.scalars(select(Message.classify_status).where(Message.id.in_(posted))).all()
        return len(statuses) == MESSAGES and set(statuses) == {"done"}

    _wait(all_classified, 240, "every message classified", cluster["processes"])
    _wait(lambda: all(set(posted) <= set(s.classified) for s in streams), 30, "events on both web processes")

    writes = db.session.scalars(select(Message.classification_writes).where(Message.id.in_(posted))).all()
    assert writes == [1] * MESSAGES, "a message was classified more than once (or not at all)"
    for stream in streams:
        # Each web process relays every classification event exactly once to its SSE client.
        assert sorted(m for m in stream.classified if m in posted) == sorted(posted)
        stream.response.close()
    jobs = {w.name: w.successful_job_count for w in Worker.all(connection=cluster["redis"])}
    assert set(cluster["workers"]) <= set(jobs) and sum(jobs[n] for n in cluster["workers"]) >= 1
