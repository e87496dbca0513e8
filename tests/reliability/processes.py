"""Real processes for fault tests: `parvis worker`, a private redis-server, a private PostgreSQL.

The private servers listen on loopback ports of their own, so stopping them never disturbs the
shared Redis (6379) and PostgreSQL (5432) other tests use.
"""
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from sqlalchemy import func, select

from inbox.extensions import db
from inbox.models import Message
from tests.e2e.conftest import wait_for

TEXTS = [
    "Bonjour, la cantine est-elle ouverte mercredi ?", "Encore des travaux rue Victor Hugo, c'est pénible",
    "Merci pour la fête de quartier !", "Un arbre est tombé sur la route de Lille", "Où déposer un encombrant ?",
    "Hello, is the town hall open on Saturday?", "Le bus 12 n'est jamais à l'heure", "Bravo aux agents",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_worker(app, tmp_path, name, batch=8, lease=3, database_url=None, redis_url=None, sweep_every=1):
    """`parvis worker` in its own process group (so a kill takes the work horse too)."""
    env = dict(os.environ, DATABASE_URL=database_url or app.config["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=redis_url or app.config["REDIS_URL"], SECRET_KEY=app.config["SECRET_KEY"],
               PARVIS_INSTANCE=str(tmp_path / name), PARVIS_CLASSIFY_BATCH=str(batch),
               PARVIS_CLAIM_LEASE_SECONDS=str(lease), PARVIS_SWEEP_AFTER_SECONDS="1")
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (kept open for the process's life)
    return subprocess.Popen([sys.executable, "-m", "workers", "worker", "--sweep-every", str(sweep_every),
                             "--name", f"{name}-{os.getpid()}"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process, sig=signal.SIGTERM, timeout=20):
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def count(status=None) -> int:
    db.session.expire_all()
    query = select(func.count()).select_from(Message).where(Message.direction == "in")
    if status:
        query = query.where(Message.classify_status == status)
    value = db.session.scalar(query)
    db.session.commit()  # end the read transaction: an open snapshot would block SQLite writers
    return value


def assert_each_message_once_and_classified_once(expected_ids: set[str]):
    """The closing count of every fault test."""
    db.session.expire_all()
    rows = db.session.execute(select(Message.external_id, Message.classify_status, Message.classification_writes)
                              .where(Message.direction == "in")).all()
    ids = [row.external_id for row in rows]
    assert len(ids) == len(set(ids)), "a message is stored twice"
    assert set(ids) == expected_ids, f"lost: {len(expected_ids - set(ids))}, unexpected: {len(set(ids) - expected_ids)}"
    assert {row.classify_status for row in rows} == {"done"}
    assert {row.classification_writes for row in rows} == {1}, "a message was classified more than once"
    return {"messages": len(ids), "lost": len(expected_ids - set(ids)), "duplicated": len(ids) - len(set(ids)),
            "classified_twice": sum(1 for row in rows if row.classification_writes > 1)}


class PrivateRedis:
    """A redis-server of our own on a free loopback port, without persistence (a restart loses all)."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        wait_for(lambda: self._ping(client), timeout=10, interval=0.05, message="redis-server to start")
        client.close()

    @staticmethod
    def _ping(client):
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def kill(self):
        self.process.kill()
        self.process.wait()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.kill()


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"{name} not found under /usr/lib/postgresql/*/bin")
    return found[-1]


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (initdb + pg_ctl as the postgres user) on a free port."""

    def __init__(self):
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="parvis-pg-", dir="/tmp"))
        self.data = self.root / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *args):
        command = " ".join(f"'{a}'" for a in args)
        if os.geteuid() == 0:
            subprocess.run(["su", "postgres", "-c", command], check=True, capture_output=True)
        else:
            subprocess.run(args, check=True, capture_output=True)

    def _pg_ctl(self, action, *extra):
        self._as_postgres(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60",
                          *extra, action)

    def __enter__(self):
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._as_postgres(_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.options = options
        self._pg_ctl("start", "-o", options)
        return self

    def stop(self, mode="fast"):
        self._pg_ctl("stop", "-m", mode)

    def start(self):
        self._pg_ctl("start", "-o", self.options)

    def __exit__(self, *exc):
        try:
            self._pg_ctl("stop", "-m", "immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def elapsed(since: float) -> float:
    return round(time.monotonic() - since, 2)
