"""Workers dying: three workers share a stream of ingestion and one of them is SIGKILLed while it
holds a batch. The survivors finish; the killed batch is reclaimed after its lease. Counts: every
message once, classified once. (tests/workers/test_worker_process.py covers one worker killed and
restarted, and three workers without a kill.)"""
import json
import signal
import time

from sqlalchemy import select

from inbox.extensions import db
from inbox.models import Message
from tests.e2e.conftest import wait_for
from tests.helpers import post_signed
from tests.reliability.processes import (
    TEXTS, assert_each_message_once_and_classified_once, count, elapsed, start_worker, stop,
)

TOTAL = 240


def _held_by_one_claim() -> bool:
    db.session.expire_all()
    tokens = db.session.scalars(select(Message.claim_token).where(Message.classify_status == "processing")).all()
    db.session.commit()
    return len(tokens) > 0


def test_sigkill_one_of_three_workers_mid_stream(app, client, factory, tmp_path):
    channel = factory.channel()
    sent: set[str] = set()
    workers = [start_worker(app, tmp_path, f"trio-{i}", batch=8, lease=4) for i in range(3)]
    try:
        for round_ in range(6):
            items = [factory.payload(external_id=f"k-{round_}-{i}", text=f"{TEXTS[i % len(TEXTS)]} ({round_}/{i})")
                     for i in range(TOTAL // 6)]
            assert post_signed(client, channel, items).status_code == 201
            sent.update(item["external_id"] for item in items)
            if round_ == 1:
                wait_for(_held_by_one_claim, timeout=120, interval=0.01, message="a worker to hold a batch")
                stop(workers[0], signal.SIGKILL)  # parent and work horse, mid-batch
                killed = time.monotonic()
            time.sleep(0.3)
        wait_for(lambda: count("done") == TOTAL, timeout=240, interval=0.5, message="every message classified")
        finished = elapsed(killed)
    finally:
        for worker in workers:
            stop(worker)
    figures = assert_each_message_once_and_classified_once(sent)
    figures.update(seconds_to_finish_after_kill=finished)
    print("sigkill-one-of-three", json.dumps(figures))
    assert figures["lost"] == figures["duplicated"] == figures["classified_twice"] == 0
