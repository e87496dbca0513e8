"""Batch sizes of the classify job (issue #8) and the coalesced wake-up: everything still gets
classified exactly once."""
from rq import Queue, SimpleWorker
from sqlalchemy import select

from inbox.extensions import db
from inbox.models import Message
from inbox.services.queue import CLASSIFY_WAKEUP_KEY, QUEUE_CLASSIFY
from tests.helpers import post_signed
from workers import batching, classify


def test_short_queue_gets_batches_of_the_target_duration_long_queue_full_ones():
    sizer = batching.BatchSizer(large=64, target_seconds=0.5)
    assert sizer.next_size(pending=3) == 8  # nothing measured yet: a small batch
    sizer.observe(messages=10, seconds=1.0)  # 0.1 s per message -> 5 per half second
    assert sizer.latency_size() == 5
    assert sizer.next_size(pending=1) == 5
    assert sizer.next_size(pending=20) == 5
    assert sizer.next_size(pending=21) == 64  # more than 4 small batches wait: throughput
    sizer.observe(messages=10, seconds=0.1)  # faster now: the estimate follows, smoothed
    assert 5 < sizer.latency_size() < 64
    for _ in range(30):
        sizer.observe(messages=64, seconds=0.064)
    assert sizer.latency_size() == 64  # never above the full batch
    slow = batching.BatchSizer(large=64, target_seconds=0.5)
    slow.observe(messages=4, seconds=40)
    assert slow.latency_size() == batching.MIN_BATCH
    assert batching.BatchSizer(large=2, target_seconds=0.5).next_size(pending=1) == 2


def test_pending_count_stops_at_its_limit(app, client, factory):
    channel = factory.channel()
    post_signed(client, channel, [factory.payload() for _ in range(7)])
    assert batching.pending_count(100) == 7
    assert batching.pending_count(5) == 5


def test_small_batches_classify_everything_once(app, client, factory, use_classifier, monkeypatch):
    channel = factory.channel()
    post_signed(client, channel, [factory.payload(text=f"Question {i} sur la cantine") for i in range(11)])
    sizer = batching.sizer_for(app.config["CLASSIFY_BATCH_SIZE"], app.config["CLASSIFY_BATCH_SECONDS"])
    sizer.seconds_per_message = 1000.0  # a very slow machine: batches of MIN_BATCH
    sizes = []
    real = classify.classify_batch

    def recording(size):
        sizes.append(size)
        return real(size)

    monkeypatch.setattr(classify, "classify_batch", recording)
    try:
        assert classify.classify_pending() == 11
    finally:
        sizer.seconds_per_message = None
    assert sizes[:3] == [batching.MIN_BATCH] * 3
    writes = db.session.scalars(select(Message.classification_writes)).all()
    assert writes == [1] * 11


def test_one_waiting_wakeup_for_many_posts_classifies_all_of_them(app, client, factory, use_classifier,
                                                                  redis_client):
    channel = factory.channel()
    for i in range(6):
        assert post_signed(client, channel, factory.payload(text=f"Message {i}")).status_code == 201
    queue = Queue(QUEUE_CLASSIFY, connection=redis_client)
    assert queue.count == 1  # coalesced: one job for six messages
    SimpleWorker([queue], connection=redis_client).work(burst=True)
    assert not redis_client.exists(CLASSIFY_WAKEUP_KEY)
    statuses = db.session.scalars(select(Message.classify_status)).all()
    assert statuses == ["done"] * 6
    # The next message finds no waiting wake-up and enqueues a new one.
    post_signed(client, channel, factory.payload(text="Encore un"))
    assert queue.count == 1 and redis_client.exists(CLASSIFY_WAKEUP_KEY)
