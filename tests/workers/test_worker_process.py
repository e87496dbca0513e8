"""Real `parvis worker` processes: SIGKILL mid-batch, several workers on one stream."""
import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from inbox.extensions import db
from inbox.models import Message
from tests.e2e.conftest import wait_for
from tests.helpers import post_signed

TEXTS = [
    "Bonjour, la cantine est-elle ouverte mercredi ?", "Encore des travaux rue Victor Hugo, c'est pénible",
    "Merci pour la fête de quartier !", "Un arbre est tombé sur la route de Lille", "Où déposer un encombrant ?",
    "Hello, is the town hall open on Saturday?", "Le bus 12 n'est jamais à l'heure", "Bravo aux agents",
]


def _start_worker(app, tmp_path, name, batch=8, lease=3):
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=app.config["REDIS_URL"],
               SECRET_KEY=app.config["SECRET_KEY"], PARVIS_INSTANCE=str(tmp_path / name),
               PARVIS_CLASSIFY_BATCH=str(batch), PARVIS_CLAIM_LEASE_SECONDS=str(lease),
               PARVIS_SWEEP_AFTER_SECONDS="1")
    return subprocess.Popen([sys.executable, "-m", "workers", "worker", "--sweep-every", "1", "--name", name],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _stop(process, sig=signal.SIGTERM):
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _count(status):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Message).where(Message.classify_status == status))


def _ingest(client, factory, channel, n):
    for start in range(0, n, 100):
        items = [factory.payload(text=f"{TEXTS[i % len(TEXTS)]} ({i})") for i in range(start, min(n, start + 100))]
        assert post_signed(client, channel, items).status_code == 201


def test_sigkill_mid_batch_then_restart_classifies_everything_exactly_once(app, client, factory, tmp_path):
    channel = factory.channel()
    _ingest(client, factory, channel, 400)
    # Batches of 64: the forward pass lasts long enough that the kill usually lands while a batch
    # is held. A kill can still land in the few milliseconds between one batch's write-back and
    # the next claim; then nothing is held and the kill proved nothing: start a new victim (the
    # messages it has not classified yet are still pending) and kill it again.
    held = 0
    for attempt in range(5):
        worker = _start_worker(app, tmp_path, f"victim{attempt}", batch=64)
        try:
            wait_for(lambda: _count("processing") > 0 and _count("done") > 0, timeout=90,
                     interval=0.01, message="the worker to hold a batch")
            _stop(worker, signal.SIGKILL)  # parent and work horse, no chance to clean up
        finally:
            _stop(worker, signal.SIGKILL)
        held = _count("processing")
        if held > 0 or _count("pending") == 0:
            break
    assert held > 0, "the kill should have left a claimed batch behind"
    survivor = _start_worker(app, tmp_path, "survivor", batch=32)
    try:
        wait_for(lambda: _count("done") == 400, timeout=180, message="every message classified")
    finally:
        _stop(survivor)
    db.session.expire_all()
    writes = db.session.scalars(select(Message.classification_writes)).all()
    assert len(writes) == 400 and set(writes) == {1}


def test_three_workers_on_one_stream_classify_each_message_once(app, client, factory, tmp_path):
    channel = factory.channel()
    workers = [_start_worker(app, tmp_path, f"w{i}", batch=8, lease=60) for i in range(3)]
    try:
        for _ in range(6):
            _ingest(client, factory, channel, 50)
            time.sleep(0.5)
        wait_for(lambda: _count("done") == 300, timeout=180, message="every message classified")
    finally:
        for worker in workers:
            _stop(worker)
    db.session.expire_all()
    writes = db.session.scalars(select(Message.classification_writes)).all()
    assert len(writes) == 300 and set(writes) == {1}
    assert db.session.scalar(select(func.count(func.distinct(Message.claim_token)))) == 0
